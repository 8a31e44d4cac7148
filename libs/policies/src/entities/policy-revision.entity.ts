import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** One immutable version of a policy document (the app role may only INSERT and SELECT it). */
@Entity({ name: 'policy_revisions' })
export class PolicyRevisionEntity {
  @PrimaryColumn('uuid', { name: 'org_id' })
  orgId: string;

  @PrimaryColumn('uuid', { name: 'policy_id' })
  policyId: string;

  @PrimaryColumn('integer')
  revision: number;

  /** The group and name as they were at this revision. */
  @Column('uuid', { name: 'group_id' })
  groupId: string;

  @Column('text')
  name: string;

  @Column('text', { name: 'api_version' })
  apiVersion: string;

  @Column('text')
  kind: string;

  @Column('text')
  mode: string;

  /** The document exactly as submitted (YAML or JSON text). */
  @Column('text')
  document: string;

  @Column('text', { name: 'document_sha256' })
  documentSha256: string;

  @Column('text', { name: 'actor_type' })
  actorType: string;

  @Column('text', { name: 'actor_id' })
  actorId: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
