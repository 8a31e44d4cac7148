import { Column, Entity, PrimaryColumn } from 'typeorm';

/** An image content digest an org has run, with every reference it was seen under. */
@Entity({ name: 'images' })
export class ImageEntity {
  @PrimaryColumn('uuid', { name: 'org_id' })
  orgId: string;

  @PrimaryColumn('text')
  digest: string;

  @Column('timestamptz', { name: 'first_seen' })
  firstSeen: Date;

  @Column('timestamptz', { name: 'last_seen' })
  lastSeen: Date;
}

@Entity({ name: 'image_references' })
export class ImageReferenceEntity {
  @PrimaryColumn('uuid', { name: 'org_id' })
  orgId: string;

  @PrimaryColumn('text')
  digest: string;

  @PrimaryColumn('text')
  ref: string;

  @Column('timestamptz', { name: 'first_seen' })
  firstSeen: Date;

  @Column('timestamptz', { name: 'last_seen' })
  lastSeen: Date;
}
