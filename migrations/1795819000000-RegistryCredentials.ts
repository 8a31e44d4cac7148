import { MigrationInterface, QueryRunner } from 'typeorm';

/** Per-org registry logins, sealed at rest (the password must be recovered to log in). */
export class RegistryCredentials1795819000000 implements MigrationInterface {
  name = 'RegistryCredentials1795819000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE registry_credentials (
        id uuid PRIMARY KEY,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        registry text NOT NULL CHECK (registry ~ '^[a-z0-9.-]+(:[0-9]{1,5})?$'),
        username text NOT NULL CHECK (length(username) BETWEEN 1 AND 256),
        secret_sealed bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (org_id, registry)
      )`);
    await q.query(`ALTER TABLE registry_credentials ENABLE ROW LEVEL SECURITY`);
    await q.query(`
      CREATE POLICY tenant_isolation ON registry_credentials
        USING (org_id = vigil_current_org()) WITH CHECK (org_id = vigil_current_org())`);
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON registry_credentials TO vigil_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS registry_credentials`);
  }
}
