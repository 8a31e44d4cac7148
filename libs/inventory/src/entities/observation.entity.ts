import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One container of one pod running one digest in one cluster, over [firstSeen, lastSeen). */
@Entity({ name: 'observations' })
export class ObservationEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @Column('uuid', { name: 'org_id' })
  orgId: string;

  @Column('uuid', { name: 'cluster_id' })
  clusterId: string;

  @Column('text', { name: 'pod_uid' })
  podUid: string;

  @Column('text')
  namespace: string;

  @Column('text', { name: 'pod_name' })
  podName: string;

  @Column('text', { name: 'workload_kind', nullable: true })
  workloadKind: string | null;

  @Column('text', { name: 'workload_name', nullable: true })
  workloadName: string | null;

  @Column('text', { nullable: true })
  node: string | null;

  @Column('text', { name: 'container_name' })
  containerName: string;

  @Column('text', { name: 'container_type' })
  containerType: 'container' | 'init' | 'ephemeral';

  @Column('text', { name: 'image_ref' })
  imageRef: string;

  @Column('text', { name: 'image_digest' })
  imageDigest: string;

  @Column('timestamptz', { name: 'first_seen' })
  firstSeen: Date;

  @Column('timestamptz', { name: 'last_seen' })
  lastSeen: Date;

  @Column('boolean')
  running: boolean;

  @Column('text', { name: 'seen_in_snapshot', nullable: true })
  seenInSnapshot: string | null;
}
