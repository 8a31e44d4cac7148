import { BadRequestException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { randomBytes, randomUUID } from 'node:crypto';
import { AuditService } from '@vigil/audit';
import { AUTHORIZER, Authorizer, Caller, orgOf } from '@vigil/shared/auth';
import { PLATFORM_CONFIG, PlatformConfig } from '@vigil/shared/config';
import { SecretBox } from '@vigil/shared/crypto';
import { Database, PageRequest, toPage } from '@vigil/shared/database';
import { DELIVER_JOB_OPTIONS, DeliverJob, deliverJobId, QUEUE_NAMES } from '@vigil/shared/queue';
import { assertSinkReachable, parseSinkUrl, SinkRefusedError } from '../delivery/sink-target';
import { CreateSubscriptionDto } from '../dtos/create-subscription.dto';
import { DeliveryRepository, SubscriptionRepository } from '../repositories';
import { subscriptionSecretContext } from './delivery.service';
import { deliveryView, subscriptionView } from './views';

/** CloudEvents subscriptions on groups; editors manage them, viewers read them and their delivery log. */
@Injectable()
export class SubscriptionService {
  private readonly box: SecretBox;

  constructor(
    private readonly database: Database,
    private readonly subscriptions: SubscriptionRepository,
    private readonly deliveries: DeliveryRepository,
    private readonly audit: AuditService,
    @Inject(AUTHORIZER) private readonly authorizer: Authorizer,
    @InjectQueue(QUEUE_NAMES.deliver) private readonly deliverQueue: Queue<DeliverJob>,
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
  ) {
    this.box = new SecretBox(config.env.VIGIL_SECRET_KEY, 'subscription-secrets');
  }

  async create(caller: Caller, dto: CreateSubscriptionDto) {
    const orgId = orgOf(caller);
    await this.authorizer.assertRole(caller, 'editor', dto.groupId);
    try {
      await assertSinkReachable(parseSinkUrl(dto.sink), this.config.env.VIGIL_ALLOW_PRIVATE_TARGETS);
    } catch (error) {
      if (error instanceof SinkRefusedError) throw new BadRequestException(error.message);
      throw error;
    }
    const id = randomUUID();
    const secret = dto.secret ?? `whsec_${randomBytes(32).toString('base64')}`;
    const subscription = await this.database.forOrg(orgId, async () => {
      const created = await this.subscriptions.insert({
        id,
        orgId,
        groupId: dto.groupId,
        sink: dto.sink,
        types: [...new Set(dto.types ?? [])],
        mode: dto.mode ?? 'binary',
        secretSealed: this.box.seal(secret, subscriptionSecretContext(id)),
      });
      await this.audit.record(caller, { action: 'subscription.create', objectType: 'subscription', objectId: id, details: { sink: dto.sink, groupId: dto.groupId, types: dto.types ?? [] } });
      return created;
    });
    return { ...subscriptionView(subscription), secret };
  }

  async list(caller: Caller, page: PageRequest) {
    const orgId = orgOf(caller);
    const roots = await this.authorizer.groupsWithRole(caller, 'viewer');
    const visible = roots === null ? null : await this.authorizer.groupsAtOrBelow(caller, roots);
    const rows = await this.subscriptions.list(orgId, visible, page);
    const result = toPage(rows, page.limit, (s) => s.id);
    return { items: result.items.map(subscriptionView), nextCursor: result.nextCursor };
  }

  async get(caller: Caller, id: string) {
    return subscriptionView(await this.mustFind(caller, id, 'viewer'));
  }

  async remove(caller: Caller, id: string): Promise<void> {
    const subscription = await this.mustFind(caller, id, 'editor');
    await this.database.forOrg(subscription.orgId, async () => {
      await this.subscriptions.retire(subscription.orgId, id);
      await this.audit.record(caller, { action: 'subscription.delete', objectType: 'subscription', objectId: id, details: { sink: subscription.sink } });
    });
  }

  async deliveriesOf(caller: Caller, id: string, page: PageRequest) {
    const subscription = await this.mustFind(caller, id, 'viewer', true);
    const rows = await this.deliveries.listForSubscription(subscription.orgId, id, page);
    const result = toPage(rows, page.limit, (d) => d.id);
    const attempts = await this.deliveries.attemptsFor(subscription.orgId, result.items.map((d) => d.id));
    return { items: result.items.map((d) => deliveryView(d, attempts.filter((a) => a.deliveryId === d.id))), nextCursor: result.nextCursor };
  }

  /** A dead letter (or any delivery) gets a fresh retry window and is sent again now. */
  async redeliver(caller: Caller, deliveryId: string) {
    const orgId = orgOf(caller);
    const delivery = await this.deliveries.findById(orgId, deliveryId);
    if (!delivery) throw new NotFoundException(`delivery ${deliveryId} not found`);
    await this.mustFind(caller, delivery.subscriptionId, 'editor').catch((error) => {
      if (error instanceof NotFoundException) throw new NotFoundException(`delivery ${deliveryId} not found`);
      throw error;
    });
    await this.database.forOrg(orgId, async () => {
      await this.deliveries.requeue(orgId, deliveryId);
      await this.audit.record(caller, { action: 'delivery.redeliver', objectType: 'delivery', objectId: deliveryId });
      await this.database.afterCommit(() => {
        const job = { orgId, deliveryId, attempt: delivery.attempts };
        return this.deliverQueue.add('deliver', job, { ...DELIVER_JOB_OPTIONS, jobId: deliverJobId(job) });
      });
    });
    const after = await this.deliveries.findById(orgId, deliveryId);
    return deliveryView(after!, []);
  }

  private async mustFind(caller: Caller, id: string, role: 'viewer' | 'editor', includeDeleted = false) {
    const orgId = orgOf(caller);
    const subscription = includeDeleted ? await this.subscriptions.findWithSecret(orgId, id) : await this.subscriptions.findLive(orgId, id);
    if (!subscription) throw new NotFoundException(`subscription ${id} not found`);
    await this.authorizer.assertRoleOnObject(caller, role, subscription.groupId, `subscription ${id}`);
    return subscription;
  }
}
