import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { OutboxService } from '@danbao/notifications';
import { Roles, Database } from '@danbao/platform';
import { ListQueryDto, listAnswer } from '../common/list-query.dto';

export class ListEventsQueryDto extends ListQueryDto {
  @IsOptional()
  @Matches(/^[a-z]+\.[a-z_]+$/, { message: 'type must be an event type like order.paid' })
  type?: string;
}

@ApiTags('events')
@ApiBearerAuth()
@Controller('v1/events')
export class EventsController {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(OutboxService) private readonly outbox: OutboxService,
  ) {}

  @Get()
  @Roles('marketplace')
  async list(@Query() query: ListEventsQueryDto) {
    return listAnswer(
      await this.outbox.list(this.db, {
        type: query.type,
        limit: query.limit ?? 20,
        startingAfter: query.starting_after,
      }),
    );
  }
}
