import type { AttestationFact, SignatureFact } from '@vigil/policy-engine';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** What one key verified on one digest (cosign signatures and attestations), for one org. */
@Entity({ name: 'verified_image_facts' })
export class VerifiedImageFactsEntity {
  @PrimaryColumn('uuid', { name: 'org_id' })
  orgId: string;

  @PrimaryColumn('text')
  digest: string;

  @PrimaryColumn('text', { name: 'key_fingerprint' })
  keyFingerprint: string;

  @PrimaryColumn('text', { name: 'hash_algorithm' })
  hashAlgorithm: string;

  @Column('jsonb')
  signatures: SignatureFact[];

  @Column('jsonb')
  attestations: AttestationFact[];

  @Column('timestamptz', { name: 'verified_at' })
  verifiedAt: Date;
}
