import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** An agent's HMAC key. The secret must be recoverable to check signatures, so it is sealed, not hashed. */
@Entity({ name: 'cluster_credentials' })
export class ClusterCredentialEntity {
  @PrimaryColumn('text', { name: 'key_id' })
  keyId: string;

  @Column('uuid', { name: 'org_id' })
  orgId: string;

  @Column('uuid', { name: 'cluster_id' })
  clusterId: string;

  @Column('bytea', { name: 'secret_sealed', select: false })
  secretSealed: Buffer;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column('timestamptz', { name: 'expires_at', nullable: true })
  expiresAt: Date | null;

  @Column('timestamptz', { name: 'revoked_at', nullable: true })
  revokedAt: Date | null;

  @Column('timestamptz', { name: 'last_used_at', nullable: true })
  lastUsedAt: Date | null;
}
