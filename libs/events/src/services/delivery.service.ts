import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { PLATFORM_CONFIG, PlatformConfig } from '@vigil/shared/config';
import { SecretBox } from '@vigil/shared/crypto';
import { DELIVER_JOB_OPTIONS, DeliverJob, deliverJobId, QUEUE_NAMES } from '@vigil/shared/queue';
import { Coalescer } from '@vigil/shared/database';
import { retryDelayMs } from '../delivery/backoff';
import { buildDeliveryRequest } from '../delivery/cloud-event-request';
import { HttpSender } from '../delivery/http-sender';
import { SubscriptionSlots } from '../delivery/subscription-slots';
import { DeliveryRepository, SubscriptionRepository, type AttemptContext, type AttemptEntry } from '../repositories';

/** `deferred`: the subscription had its share of attempts in flight; the caller runs the job again shortly (no attempt counted). */
export type DeliveryOutcome = 'succeeded' | 'retrying' | 'dead' | 'postponed' | 'stale' | 'deferred';

export function subscriptionSecretContext(subscriptionId: string): string {
  return `subscription:${subscriptionId}`;
}

/**
 * One delivery attempt: at-least-once, signed, bounded in time. A failing
 * sink trips a per-subscription breaker so its backlog waits for a probe
 * instead of holding worker slots that other sinks and orgs need. The
 * attempts running at once in this process share their database round trips
 * (per org): one query loads them, one statement records them.
 */
@Injectable()
export class DeliveryService implements OnModuleDestroy {
  private readonly logger = new Logger('DeliveryService');
  private readonly box: SecretBox;
  private readonly sender: HttpSender;
  private readonly slots: SubscriptionSlots;
  private readonly loads = new Coalescer<string, AttemptContext | null>(async (orgId, ids) => {
    const found = await this.deliveries.loadForAttempts(orgId, ids);
    return ids.map((id) => found.get(id) ?? null);
  });
  private readonly records = new Coalescer<AttemptEntry, boolean>((orgId, entries) => this.deliveries.recordAttempts(orgId, entries));

  constructor(
    private readonly deliveries: DeliveryRepository,
    private readonly subscriptions: SubscriptionRepository,
    @InjectQueue(QUEUE_NAMES.deliver) private readonly deliverQueue: Queue<DeliverJob>,
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
  ) {
    this.box = new SecretBox(config.env.VIGIL_SECRET_KEY, 'subscription-secrets');
    this.sender = new HttpSender({ timeoutMs: config.env.VIGIL_DELIVERY_TIMEOUT_MS, allowPrivateTargets: config.env.VIGIL_ALLOW_PRIVATE_TARGETS });
    this.slots = new SubscriptionSlots(config.env.VIGIL_DELIVERY_MAX_IN_FLIGHT_PER_SUBSCRIPTION);
  }

  /** When a deferred attempt should run again: about when a slot of its subscription may be free, spread out. */
  deferralMs(): number {
    return Math.round(Math.min(this.config.env.VIGIL_DELIVERY_TIMEOUT_MS, 2000) * (0.5 + Math.random()));
  }

  async onModuleDestroy(): Promise<void> {
    await this.sender.close();
  }

  async attempt(job: DeliverJob, now = new Date()): Promise<DeliveryOutcome> {
    // A big backlog to one slow sink: most of its jobs find its share taken; they go back without a database round trip.
    if (job.subscriptionId && this.slots.isFull(job.subscriptionId)) return 'deferred';
    const context = await this.loads.submit(job.orgId, job.deliveryId);
    if (!context) return 'stale';
    const { delivery, subscription, event } = context;
    if (delivery.state !== 'pending' || delivery.attempts !== job.attempt) return 'stale';
    if (now.getTime() - delivery.createdAt.getTime() > this.config.env.VIGIL_DELIVERY_MAX_AGE_SECONDS * 1000) {
      await this.deliveries.markDead(job.orgId, delivery.id, `no successful delivery within the retry window; last error: ${delivery.lastError ?? 'none'}`);
      return 'dead';
    }
    if (subscription.deleted) {
      await this.deliveries.markDead(job.orgId, delivery.id, 'subscription deleted');
      return 'dead';
    }
    if (subscription.nextProbeAt && subscription.nextProbeAt > now) {
      await this.deliveries.postpone(job.orgId, delivery.id, subscription.nextProbeAt);
      return 'postponed';
    }
    const secret = this.box.open(subscription.secretSealed, subscriptionSecretContext(delivery.subscriptionId));
    if (!event || !secret) {
      await this.deliveries.markDead(job.orgId, delivery.id, !event ? 'event missing' : 'subscription secret cannot be read');
      return 'dead';
    }

    if (!this.slots.tryTake(delivery.subscriptionId)) return 'deferred';
    const { headers, body } = buildDeliveryRequest(event, subscription.mode, { id: delivery.id, secret: secret.toString('utf8'), now });
    const sent = await this.sender.send(subscription.sink, headers, body).finally(() => this.slots.release(delivery.subscriptionId));
    const ok = sent.error === null;
    const nextAttemptAt = new Date(now.getTime() + retryDelayMs(delivery.attempts + 1, Math.random, this.config.env.VIGIL_DELIVERY_RETRY_BASE_MS));
    const recorded = await this.records.submit(job.orgId, {
      delivery,
      attempt: { statusCode: sent.statusCode, latencyMs: sent.latencyMs, outcome: ok ? 'succeeded' : 'failed', error: sent.error },
      next: { state: ok ? 'succeeded' : 'pending', nextAttemptAt: ok ? now : nextAttemptAt },
    });
    if (ok) {
      if (subscription.failingSince) await this.subscriptions.recordSinkSuccess(job.orgId, delivery.subscriptionId);
      return 'succeeded';
    }
    await this.subscriptions.recordSinkFailure(job.orgId, delivery.subscriptionId, new Date(now.getTime() + this.config.env.VIGIL_DELIVERY_PROBE_SECONDS * 1000));
    if (recorded) {
      const next = { orgId: job.orgId, deliveryId: delivery.id, attempt: delivery.attempts + 1, subscriptionId: delivery.subscriptionId };
      await this.deliverQueue
        .add('deliver', next, { ...DELIVER_JOB_OPTIONS, jobId: deliverJobId(next), delay: Math.max(0, nextAttemptAt.getTime() - Date.now()) })
        .catch((error) => this.logger.warn({ err: error }, 'could not schedule a retry; the sweep will'));
    }
    return 'retrying';
  }

  /** Enqueues every due delivery (after a Redis loss, a crash, or a postponement). */
  async sweep(limit = 1000): Promise<number> {
    const due = await this.deliveries.due(limit);
    if (due.length === 0) return 0;
    await this.deliverQueue.addBulk(
      due.map((d) => {
        const job = { orgId: d.orgId, deliveryId: d.deliveryId, attempt: d.attempts };
        return { name: 'deliver', data: job, opts: { ...DELIVER_JOB_OPTIONS, jobId: deliverJobId(job) } };
      }),
    );
    return due.length;
  }
}
