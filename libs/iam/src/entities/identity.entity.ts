import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export type IdentityKind = 'service' | 'user';

@Entity({ name: 'identities' })
export class IdentityEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column('uuid', { name: 'org_id' })
  orgId: string;

  /** The group that administers this identity (its owners manage its tokens). */
  @Column('uuid', { name: 'group_id' })
  groupId: string;

  @Column('text')
  kind: IdentityKind;

  @Column('text')
  name: string;

  @Column('uuid', { name: 'user_id', nullable: true })
  userId: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column('timestamptz', { name: 'disabled_at', nullable: true })
  disabledAt: Date | null;
}
