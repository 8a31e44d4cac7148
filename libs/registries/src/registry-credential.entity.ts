import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

@Entity({ name: 'registry_credentials' })
export class RegistryCredentialEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column('uuid', { name: 'org_id' })
  orgId: string;

  /** Host[:port], lower case, as references name it (`ghcr.io`, `registry.example:5000`). */
  @Column('text')
  registry: string;

  @Column('text')
  username: string;

  @Column('bytea', { name: 'secret_sealed', select: false })
  secretSealed: Buffer;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
