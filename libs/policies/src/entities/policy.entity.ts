import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * A policy attached to a group: the head of its revision history. Deleting
 * retires it (history stays, results keep naming their revision).
 */
@Entity({ name: 'policies' })
export class PolicyEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column('uuid', { name: 'org_id' })
  orgId: string;

  @Column('uuid', { name: 'group_id' })
  groupId: string;

  /** `metadata.name` of the current revision; unique among the org's live policies. */
  @Column('text')
  name: string;

  @Column('integer', { name: 'current_revision' })
  currentRevision: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt: Date;

  @Column('timestamptz', { name: 'deleted_at', nullable: true })
  deletedAt: Date | null;
}
