import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import {
  toDeliveryObject,
  toEndpointObject,
  WebhookDeliveryService,
  WebhookEndpointsService,
  WebhookUrlError,
} from '@danbao/notifications';
import {
  ApiError,
  ApiListResponse,
  ApiPrincipalGet,
  ApiPrincipalPost,
  CurrentPrincipal,
  Degradable,
  Principal,
  Roles,
  VALIDATION_ERRORS,
} from '@danbao/platform';
import { ListQueryDto, listAnswer } from '../common/list-query.dto';
import {
  CreateWebhookEndpointDto,
  DeletedWebhookEndpointResponse,
  UpdateWebhookEndpointDto,
  WebhookDeliveryResponse,
  WebhookEndpointResponse,
  WebhookEndpointWithSecretResponse,
} from './webhooks.dto';

const URL_REFUSED = { status: 400, codes: ['url_not_allowed'] };

/** The marketplace that owns an endpoint: the API key that registered it. */
const ownerOf = (principal: Principal) => principal.id;

function urlRefused<T>(call: () => Promise<T>): Promise<T> {
  return call().catch((error: unknown) => {
    if (error instanceof WebhookUrlError) throw ApiError.badRequest('url_not_allowed', error.message, 'url');
    throw error;
  });
}

/**
 * A marketplace's webhook endpoints and their deliveries (API key only; buyers and sellers 403).
 * An endpoint of another key answers 404.
 */
@ApiTags('webhooks')
@ApiBearerAuth()
@Controller('v1/webhook_endpoints')
export class WebhookEndpointsController {
  constructor(
    @Inject(WebhookEndpointsService) private readonly endpoints: WebhookEndpointsService,
    @Inject(WebhookDeliveryService) private readonly deliveries: WebhookDeliveryService,
  ) {}

  @Post()
  @HttpCode(201)
  @Roles('marketplace')
  @ApiOperation({ summary: 'Register a webhook endpoint; its signing secret is shown once' })
  @ApiCreatedResponse({ type: WebhookEndpointWithSecretResponse })
  @ApiPrincipalPost(VALIDATION_ERRORS, URL_REFUSED)
  async create(@Body() body: CreateWebhookEndpointDto, @CurrentPrincipal() principal: Principal) {
    const { endpoint, secret } = await urlRefused(() =>
      this.endpoints.create(ownerOf(principal), { url: body.url, events: body.events }),
    );
    return toEndpointObject(endpoint, secret);
  }

  @Get()
  @Degradable('listings')
  @Roles('marketplace')
  @ApiOperation({ summary: 'The marketplace’s webhook endpoints, newest first' })
  @ApiListResponse(WebhookEndpointResponse)
  @ApiPrincipalGet(VALIDATION_ERRORS)
  async list(@Query() query: ListQueryDto, @CurrentPrincipal() principal: Principal) {
    const page = await this.endpoints.list(ownerOf(principal), query.limit ?? 20, query.starting_after);
    return listAnswer({
      data: page.data.map((endpoint) => toEndpointObject(endpoint)),
      hasMore: page.hasMore,
    });
  }

  @Get(':id')
  @Roles('marketplace')
  @ApiOperation({ summary: 'One webhook endpoint' })
  @ApiOkResponse({ type: WebhookEndpointResponse })
  @ApiPrincipalGet(404)
  async get(@Param('id') id: string, @CurrentPrincipal() principal: Principal) {
    const endpoint = await this.endpoints.get(ownerOf(principal), id);
    if (!endpoint) throw ApiError.notFound('webhook_endpoint', 'id');
    return toEndpointObject(endpoint);
  }

  @Post(':id')
  @HttpCode(200)
  @Roles('marketplace')
  @ApiOperation({ summary: 'Update an endpoint: url, events, enabled' })
  @ApiOkResponse({ type: WebhookEndpointResponse })
  @ApiPrincipalPost(VALIDATION_ERRORS, URL_REFUSED, 404)
  async update(
    @Param('id') id: string,
    @Body() body: UpdateWebhookEndpointDto,
    @CurrentPrincipal() principal: Principal,
  ) {
    const endpoint = await urlRefused(() =>
      this.endpoints.update(ownerOf(principal), id, {
        url: body.url,
        events: body.events,
        enabled: body.enabled,
      }),
    );
    if (!endpoint) throw ApiError.notFound('webhook_endpoint', 'id');
    return toEndpointObject(endpoint);
  }

  @Delete(':id')
  @Roles('marketplace')
  @ApiOperation({ summary: 'Delete an endpoint: nothing more is delivered to it' })
  @ApiOkResponse({ type: DeletedWebhookEndpointResponse })
  @ApiPrincipalGet(404)
  async delete(@Param('id') id: string, @CurrentPrincipal() principal: Principal) {
    const endpoint = await this.endpoints.delete(ownerOf(principal), id);
    if (!endpoint) throw ApiError.notFound('webhook_endpoint', 'id');
    return { id: endpoint.id, object: 'webhook_endpoint' as const, deleted: true as const };
  }

  @Post(':id/roll_secret')
  @HttpCode(200)
  @Roles('marketplace')
  @ApiOperation({
    summary: 'A new signing secret (shown once); the old one keeps signing alongside for 24 hours',
  })
  @ApiOkResponse({ type: WebhookEndpointWithSecretResponse })
  @ApiPrincipalPost(404)
  async rollSecret(@Param('id') id: string, @CurrentPrincipal() principal: Principal) {
    const rolled = await this.endpoints.rollSecret(ownerOf(principal), id);
    if (!rolled) throw ApiError.notFound('webhook_endpoint', 'id');
    return toEndpointObject(rolled.endpoint, rolled.secret);
  }

  @Get(':id/deliveries')
  @Degradable('listings')
  @Roles('marketplace')
  @ApiOperation({ summary: 'An endpoint’s deliveries, newest first' })
  @ApiListResponse(WebhookDeliveryResponse)
  @ApiPrincipalGet(VALIDATION_ERRORS, 404)
  async deliveriesOf(
    @Param('id') id: string,
    @Query() query: ListQueryDto,
    @CurrentPrincipal() principal: Principal,
  ) {
    const page = await this.deliveries.list(ownerOf(principal), id, query.limit ?? 20, query.starting_after);
    if (!page) throw ApiError.notFound('webhook_endpoint', 'id');
    return listAnswer({
      data: page.data.map((delivery) => toDeliveryObject(delivery)),
      hasMore: page.hasMore,
    });
  }

  @Get(':id/deliveries/:delivery_id')
  @Roles('marketplace')
  @ApiOperation({ summary: 'One delivery with every attempt (status, latency, the start of the answer)' })
  @ApiOkResponse({ type: WebhookDeliveryResponse })
  @ApiPrincipalGet(404)
  async delivery(
    @Param('id') id: string,
    @Param('delivery_id') deliveryId: string,
    @CurrentPrincipal() principal: Principal,
  ) {
    const endpoint = await this.endpoints.get(ownerOf(principal), id);
    const delivery = endpoint ? await this.deliveries.find(endpoint.id, deliveryId) : undefined;
    if (!delivery) throw ApiError.notFound('webhook_delivery', 'delivery_id');
    return toDeliveryObject(delivery, await this.deliveries.attemptsOf(delivery.id));
  }

  @Post(':id/deliveries/:delivery_id/retry')
  @HttpCode(202)
  @Roles('marketplace')
  @ApiOperation({ summary: 'Send a delivery again now (a replay), whatever its state' })
  @ApiAcceptedResponse({ type: WebhookDeliveryResponse })
  @ApiPrincipalPost(404)
  async retry(
    @Param('id') id: string,
    @Param('delivery_id') deliveryId: string,
    @CurrentPrincipal() principal: Principal,
  ) {
    const delivery = await this.deliveries.retry(ownerOf(principal), id, deliveryId);
    if (!delivery) throw ApiError.notFound('webhook_delivery', 'delivery_id');
    return toDeliveryObject(delivery);
  }
}
