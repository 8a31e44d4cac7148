import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One emitted CloudEvent, kept forever (the event log, and the outbox of deliveries). */
@Entity({ name: 'events' })
export class EventEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  seq: string;

  /** The CloudEvent id: stable, so receivers de-duplicate at-least-once deliveries. */
  @Column('uuid')
  id: string;

  @Column('uuid', { name: 'org_id' })
  orgId: string;

  /** The group the event is about: subscriptions on it and on its ancestors receive it. */
  @Column('uuid', { name: 'group_id' })
  groupId: string;

  @Column('uuid', { name: 'group_path', array: true })
  groupPath: string[];

  @Column('text')
  type: string;

  @Column('text')
  source: string;

  @Column('text', { nullable: true })
  subject: string | null;

  @Column('timestamptz')
  time: Date;

  @Column('jsonb')
  data: Record<string, unknown>;
}
