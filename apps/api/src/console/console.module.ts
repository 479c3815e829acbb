import { Module } from '@nestjs/common';
import { AdminsModule } from '@danbao/admins';
import { ChannelsModule } from '@danbao/channels';
import { EscrowModule } from '@danbao/escrow';
import { ConsolePages } from './console-pages';
import { ConsoleSessionController } from './console-session.controller';
import { ConsoleController } from './console.controller';

/** The admin console's pages (/admin): server-rendered, no scripts, CSRF on every form. */
@Module({
  imports: [AdminsModule, ChannelsModule, EscrowModule],
  controllers: [ConsoleSessionController, ConsoleController],
  providers: [ConsolePages],
})
export class ConsoleModule {}
