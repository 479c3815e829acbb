import { Controller, Headers, HttpCode, Inject, Param, Post, RawBodyRequest, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { NotificationIntakeService, NotificationRejectedError } from '@danbao/checkout';
import { Public } from '@danbao/platform';

@ApiTags('channels')
@Controller('v1/channels')
export class ChannelNotificationsController {
  constructor(@Inject(NotificationIntakeService) private readonly intake: NotificationIntakeService) {}

  /** The channel's signed asynchronous results; verified over the raw body, stored, then applied. */
  @Post(':channel/notifications')
  @HttpCode(200)
  @Public()
  async receive(
    @Param('channel') channel: string,
    @Req() request: RawBodyRequest<FastifyRequest>,
    @Headers('danbao-signature') signature?: string,
  ) {
    if (!request.rawBody) throw new NotificationRejectedError('empty body');
    const result = await this.intake.receive(channel, request.rawBody.toString('utf8'), signature);
    return { received: true, ...result };
  }
}
