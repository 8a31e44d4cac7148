import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'api_tokens' })
export class ApiTokenEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column('uuid', { name: 'org_id' })
  orgId: string;

  @Column('uuid', { name: 'identity_id' })
  identityId: string;

  @Column('text', { default: '' })
  name: string;

  /** SHA-256 of the token: tokens carry 256 random bits, so a fast hash is enough. */
  @Column('bytea', { name: 'token_hash', select: false })
  tokenHash: Buffer;

  /** The first characters, so a user can tell tokens apart without the secret. */
  @Column('text', { name: 'token_prefix' })
  tokenPrefix: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column('timestamptz', { name: 'expires_at', nullable: true })
  expiresAt: Date | null;

  @Column('timestamptz', { name: 'last_used_at', nullable: true })
  lastUsedAt: Date | null;

  @Column('timestamptz', { name: 'revoked_at', nullable: true })
  revokedAt: Date | null;
}
