export { EventsCoreModule, EventsModule, EventDeliveryModule } from './events.module';
export { eventEntities } from './entities';
export { EventPublisher } from './services/event-publisher.service';
export type { PublishEvent } from './services/event-publisher.service';
export { DeliveryService } from './services/delivery.service';
export type { DeliveryOutcome } from './services/delivery.service';
export { EVENT_TYPES, iamEventType, orgSource, clusterSource } from './event-types';
export { buildDeliveryRequest } from './delivery/cloud-event-request';
export { DELIVERY_CONCURRENCY } from './delivery/http-sender';
