import { DeliveryAttemptEntity, DeliveryEntity, EventEntity, SubscriptionEntity } from '../entities';

export const subscriptionView = (s: SubscriptionEntity) => ({
  id: s.id,
  groupId: s.groupId,
  sink: s.sink,
  types: s.types,
  mode: s.mode,
  createdAt: s.createdAt.toISOString(),
  failingSince: s.failingSince?.toISOString() ?? null,
});

export const eventView = (e: EventEntity) => ({
  id: e.id,
  type: e.type,
  source: e.source,
  subject: e.subject,
  time: e.time.toISOString(),
  groupId: e.groupId,
  data: e.data,
});

export const deliveryView = (d: DeliveryEntity, attempts: DeliveryAttemptEntity[]) => ({
  id: d.id,
  eventId: d.eventId,
  subscriptionId: d.subscriptionId,
  state: d.state,
  attemptCount: d.attempts,
  nextAttemptAt: d.state === 'pending' ? d.nextAttemptAt.toISOString() : null,
  lastStatusCode: d.lastStatusCode,
  lastError: d.lastError,
  createdAt: d.createdAt.toISOString(),
  completedAt: d.completedAt?.toISOString() ?? null,
  attempts: attempts.map((a) => ({ at: a.attemptedAt.toISOString(), outcome: a.outcome, statusCode: a.statusCode, latencyMs: a.latencyMs, error: a.error })),
});
