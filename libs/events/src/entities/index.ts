import { DeliveryAttemptEntity, DeliveryEntity } from './delivery.entity';
import { EventEntity } from './event.entity';
import { SubscriptionEntity } from './subscription.entity';

export { DeliveryAttemptEntity, DeliveryEntity, EventEntity, SubscriptionEntity };
export type { DeliveryMode } from './subscription.entity';
export type { DeliveryState } from './delivery.entity';

export const eventEntities = [EventEntity, SubscriptionEntity, DeliveryEntity, DeliveryAttemptEntity];
