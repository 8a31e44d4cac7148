import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'organizations' })
export class OrganizationEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column('text')
  name: string;

  @Column('uuid', { name: 'root_group_id', nullable: true })
  rootGroupId: string | null;

  /** Closed inventory intervals older than this are deleted; null keeps history forever. */
  @Column('integer', { name: 'inventory_retention_days', nullable: true })
  inventoryRetentionDays: number | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
