import { CloudEvent, HTTP } from 'cloudevents';
import { Webhook } from 'standardwebhooks';
import type { DeliveryMode } from '../entities';

export interface OutgoingEvent {
  id: string;
  type: string;
  source: string;
  subject: string | null;
  time: Date;
  data: Record<string, unknown>;
}

/**
 * Builds the HTTP request for one delivery: a CloudEvent in binary (default)
 * or structured mode, signed per Standard Webhooks over the exact body.
 */
export function buildDeliveryRequest(event: OutgoingEvent, mode: DeliveryMode, delivery: { id: string; secret: string; now?: Date }) {
  const cloudEvent = new CloudEvent({
    specversion: '1.0',
    id: event.id,
    type: event.type,
    source: event.source,
    ...(event.subject ? { subject: event.subject } : {}),
    time: event.time.toISOString(),
    datacontenttype: 'application/json',
    data: event.data,
  });
  const message = mode === 'structured' ? HTTP.structured(cloudEvent) : HTTP.binary(cloudEvent);
  const body = typeof message.body === 'string' ? message.body : JSON.stringify(message.body);
  const timestamp = delivery.now ?? new Date();
  const signature = new Webhook(delivery.secret).sign(delivery.id, timestamp, body);
  const headers: Record<string, string> = {
    ...(message.headers as Record<string, string>),
    'webhook-id': delivery.id,
    'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
    'webhook-signature': signature,
    'user-agent': 'Vigil-Webhooks/1',
  };
  return { headers, body };
}
