import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Caller, CurrentCaller, Requires } from '@vigil/shared/auth';
import { parsePageRequest } from '@vigil/shared/database';
import { CreateSubscriptionDto } from '../dtos/create-subscription.dto';
import { EventQueryService } from '../services/event-query.service';
import { SubscriptionService } from '../services/subscription.service';

@ApiTags('events')
@ApiBearerAuth()
@Controller('v1')
export class SubscriptionsController {
  constructor(
    private readonly subscriptions: SubscriptionService,
    private readonly events: EventQueryService,
  ) {}

  @Get('subscriptions')
  @Requires('viewer')
  list(@CurrentCaller() caller: Caller, @Query('limit') limit?: string, @Query('cursor') cursor?: string) {
    return this.subscriptions.list(caller, parsePageRequest({ limit, cursor }));
  }

  @Post('subscriptions')
  @HttpCode(201)
  @Requires('editor')
  @ApiOperation({ summary: 'Subscribe a CloudEvents sink; the signing secret is in this response only' })
  create(@CurrentCaller() caller: Caller, @Body() dto: CreateSubscriptionDto) {
    return this.subscriptions.create(caller, dto);
  }

  @Get('subscriptions/:id')
  @Requires('viewer')
  get(@CurrentCaller() caller: Caller, @Param('id', ParseUUIDPipe) id: string) {
    return this.subscriptions.get(caller, id);
  }

  @Delete('subscriptions/:id')
  @HttpCode(204)
  @Requires('editor')
  remove(@CurrentCaller() caller: Caller, @Param('id', ParseUUIDPipe) id: string) {
    return this.subscriptions.remove(caller, id);
  }

  @Get('subscriptions/:id/deliveries')
  @Requires('viewer')
  @ApiOperation({ summary: 'Deliveries of a subscription with every attempt (status, code, latency, error)' })
  deliveries(@CurrentCaller() caller: Caller, @Param('id', ParseUUIDPipe) id: string, @Query('limit') limit?: string, @Query('cursor') cursor?: string) {
    return this.subscriptions.deliveriesOf(caller, id, parsePageRequest({ limit, cursor }));
  }

  @Post('deliveries/:id/redeliver')
  @HttpCode(202)
  @Requires('editor')
  @ApiOperation({ summary: 'Send a delivery (e.g. a dead letter) again, with a fresh retry window' })
  redeliver(@CurrentCaller() caller: Caller, @Param('id', ParseUUIDPipe) id: string) {
    return this.subscriptions.redeliver(caller, id);
  }

  @Get('events')
  @Requires('viewer')
  @ApiOperation({ summary: 'The event log: every CloudEvent emitted, oldest first' })
  @ApiQuery({ name: 'type', required: false })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'cursor', required: false })
  listEvents(@CurrentCaller() caller: Caller, @Query('type') type?: string, @Query('limit') limit?: string, @Query('cursor') cursor?: string) {
    return this.events.list(caller, { type }, parsePageRequest({ limit, cursor }));
  }
}
