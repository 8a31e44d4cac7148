import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** An action queued for a cluster's agent; payloads may carry secrets, so they are sealed. */
@Entity({ name: 'agent_commands' })
export class AgentCommandEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column('uuid', { name: 'org_id' })
  orgId: string;

  @Column('uuid', { name: 'cluster_id' })
  clusterId: string;

  @Column('text')
  type: string;

  @Column('bytea', { name: 'payload_sealed', select: false })
  payloadSealed: Buffer;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column('timestamptz', { name: 'expires_at' })
  expiresAt: Date;

  @Column('timestamptz', { name: 'acked_at', nullable: true })
  ackedAt: Date | null;

  @Column('text', { nullable: true })
  outcome: string | null;

  @Column('text', { nullable: true })
  message: string | null;

  /** Listed to an agent and not to be listed again before this (see AgentCommandRepository.claimPending). */
  @Column('timestamptz', { name: 'claimed_until', nullable: true })
  claimedUntil: Date | null;

  /** How often it was listed: more than once means an agent took it and did not acknowledge in time. */
  @Column('integer', { default: 0 })
  claims: number;
}
