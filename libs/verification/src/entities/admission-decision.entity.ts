import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One image's verdict inside an admission decision (stored in `images`). */
export interface StoredImageDecision {
  container: string;
  type: string;
  ref: string;
  digest: string | null;
  allowed: boolean;
  warnings: string[];
  reasons: string[];
  policies: { policyId: string; name: string; revision: number; mode: string; valid: boolean }[];
}

/**
 * Every admission decision, committed before the agent gets its answer. A
 * denied or warned one is published as a `dev.vigil.admission.v1` event (the
 * row id is the event id) in the same transaction; `published_at` records it.
 */
@Entity({ name: 'admission_decisions' })
export class AdmissionDecisionEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column('uuid', { name: 'org_id' })
  orgId: string;

  @Column('uuid', { name: 'cluster_id' })
  clusterId: string;

  @Column('text', { name: 'request_uid' })
  requestUid: string;

  @Column('text')
  kind: string;

  @Column('text')
  namespace: string;

  @Column('text')
  name: string;

  @Column('text')
  operation: string;

  @Column('jsonb', { nullable: true })
  owner: { kind: string; name: string } | null;

  @Column('jsonb', { name: 'admission_user', nullable: true })
  admissionUser: { username: string; uid?: string; groups?: string[] } | null;

  @Column('jsonb')
  labels: Record<string, string>;

  @Column('text')
  outcome: 'allowed' | 'warned' | 'denied';

  @Column('jsonb')
  warnings: string[];

  @Column('jsonb')
  reasons: string[];

  @Column('jsonb')
  images: StoredImageDecision[];

  @Column('text', { name: 'policy_state_token' })
  policyStateToken: string;

  @Column('timestamptz', { name: 'decided_at' })
  decidedAt: Date;

  @Column('timestamptz', { name: 'published_at', nullable: true })
  publishedAt: Date | null;
}
