import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

export type DeliveryState = 'pending' | 'succeeded' | 'dead';

/** One event to one subscription; its id is the `webhook-id` receivers see on every attempt. */
@Entity({ name: 'deliveries' })
export class DeliveryEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column('uuid', { name: 'org_id' })
  orgId: string;

  @Column('uuid', { name: 'subscription_id' })
  subscriptionId: string;

  @Column('uuid', { name: 'event_id' })
  eventId: string;

  @Column('text', { default: 'pending' })
  state: DeliveryState;

  @Column('integer', { default: 0 })
  attempts: number;

  @Column('timestamptz', { name: 'next_attempt_at', default: () => 'now()' })
  nextAttemptAt: Date;

  @Column('integer', { name: 'last_status_code', nullable: true })
  lastStatusCode: number | null;

  @Column('text', { name: 'last_error', nullable: true })
  lastError: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column('timestamptz', { name: 'completed_at', nullable: true })
  completedAt: Date | null;
}

@Entity({ name: 'delivery_attempts' })
export class DeliveryAttemptEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @Column('uuid', { name: 'org_id' })
  orgId: string;

  @Column('uuid', { name: 'delivery_id' })
  deliveryId: string;

  @Column('timestamptz', { name: 'attempted_at', default: () => 'now()' })
  attemptedAt: Date;

  @Column('integer', { name: 'status_code', nullable: true })
  statusCode: number | null;

  @Column('integer', { name: 'latency_ms' })
  latencyMs: number;

  @Column('text')
  outcome: 'succeeded' | 'failed' | 'skipped';

  @Column('text', { nullable: true })
  error: string | null;
}
