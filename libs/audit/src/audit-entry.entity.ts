import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity({ name: 'audit_log' })
export class AuditEntryEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @Column('uuid', { name: 'org_id' })
  orgId: string;

  @Column('text', { name: 'actor_type' })
  actorType: string;

  @Column('text', { name: 'actor_id' })
  actorId: string;

  /** `<object>.<verb>`, e.g. `group.create`, `token.revoke`. */
  @Column('text')
  action: string;

  @Column('text', { name: 'object_type' })
  objectType: string;

  @Column('text', { name: 'object_id' })
  objectId: string;

  /** What changed, never secrets. */
  @Column('jsonb', { default: () => `'{}'::jsonb` })
  details: Record<string, unknown>;

  @Column('text', { name: 'request_id', nullable: true })
  requestId: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
