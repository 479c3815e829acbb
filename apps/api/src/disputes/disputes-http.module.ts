import { Module } from '@nestjs/common';
import { DisputesModule } from '@danbao/disputes';
import { AdminDisputesController } from './admin-disputes.controller';
import { DisputesController } from './disputes.controller';

/** The disputes' HTTP side: the parties' routes and the admins' arbitration. */
@Module({
  imports: [DisputesModule],
  controllers: [DisputesController, AdminDisputesController],
})
export class DisputesHttpModule {}
