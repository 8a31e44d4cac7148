import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { QUEUE_NAMES } from '@vigil/shared/queue';
import { SubscriptionsController } from './controllers/subscriptions.controller';
import { DeliveryRepository, EventRepository, SubscriptionRepository } from './repositories';
import { DeliveryService } from './services/delivery.service';
import { EventPublisher } from './services/event-publisher.service';
import { EventQueryService } from './services/event-query.service';
import { SubscriptionService } from './services/subscription.service';

const queues = BullModule.registerQueue({ name: QUEUE_NAMES.deliver }, { name: QUEUE_NAMES.deliverySweep });

/** The publishing side, for every process: contexts inject EventPublisher to emit events. */
@Global()
@Module({
  imports: [queues],
  providers: [EventRepository, SubscriptionRepository, DeliveryRepository, EventPublisher],
  exports: [EventPublisher, EventRepository, SubscriptionRepository, DeliveryRepository, queues],
})
export class EventsCoreModule {}

/** The API side: subscriptions, deliveries and the event log. */
@Module({
  imports: [EventsCoreModule],
  controllers: [SubscriptionsController],
  providers: [SubscriptionService, EventQueryService],
})
export class EventsModule {}

/** The worker side: the delivery attempts (processors themselves live in apps/worker). */
@Module({
  imports: [EventsCoreModule],
  providers: [DeliveryService],
  exports: [DeliveryService],
})
export class EventDeliveryModule {}
