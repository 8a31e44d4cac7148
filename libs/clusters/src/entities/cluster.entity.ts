import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export type NoMatchBehaviour = 'allow' | 'warn' | 'deny';
export type ClusterHealth = 'pending' | 'healthy' | 'unhealthy';

@Entity({ name: 'clusters' })
export class ClusterEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column('uuid', { name: 'org_id' })
  orgId: string;

  @Column('uuid', { name: 'group_id' })
  groupId: string;

  @Column('text')
  name: string;

  /** What admission does with images no policy matches. */
  @Column('text', { name: 'no_match', default: 'warn' })
  noMatch: NoMatchBehaviour;

  @Column('text', { default: 'pending' })
  health: ClusterHealth;

  @Column('integer', { name: 'unhealthy_after_seconds', default: 300 })
  unhealthyAfterSeconds: number;

  @Column('timestamptz', { name: 'last_heartbeat_at', nullable: true })
  lastHeartbeatAt: Date | null;

  @Column('text', { name: 'agent_version', nullable: true })
  agentVersion: string | null;

  @Column('text', { name: 'kubernetes_version', nullable: true })
  kubernetesVersion: string | null;

  @Column('integer', { name: 'node_count', nullable: true })
  nodeCount: number | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  /** Clusters are retired, not erased: their inventory history stays queryable. */
  @Column('timestamptz', { name: 'deleted_at', nullable: true })
  deletedAt: Date | null;
}
