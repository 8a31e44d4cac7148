import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export type DeliveryMode = 'binary' | 'structured';

@Entity({ name: 'subscriptions' })
export class SubscriptionEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column('uuid', { name: 'org_id' })
  orgId: string;

  @Column('uuid', { name: 'group_id' })
  groupId: string;

  @Column('text')
  sink: string;

  /** Event types to receive; empty means all. */
  @Column('text', { array: true, default: () => `'{}'` })
  types: string[];

  @Column('text', { default: 'binary' })
  mode: DeliveryMode;

  /** The Standard Webhooks signing secret, sealed (it must be recovered to sign). */
  @Column('bytea', { name: 'secret_sealed', select: false })
  secretSealed: Buffer;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column('timestamptz', { name: 'deleted_at', nullable: true })
  deletedAt: Date | null;

  /** Circuit breaker: while a sink fails, its deliveries wait for the next probe instead of each timing out. */
  @Column('timestamptz', { name: 'failing_since', nullable: true })
  failingSince: Date | null;

  @Column('timestamptz', { name: 'next_probe_at', nullable: true })
  nextProbeAt: Date | null;
}
