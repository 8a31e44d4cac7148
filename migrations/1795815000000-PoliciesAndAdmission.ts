import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Policies with immutable revisions, the verified-signature facts cache, and
 * the admission decision log (which the events outbox will read).
 */
export class PoliciesAndAdmission1795815000000 implements MigrationInterface {
  name = 'PoliciesAndAdmission1795815000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE policies (
        id uuid PRIMARY KEY,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        group_id uuid NOT NULL,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 253),
        current_revision integer NOT NULL CHECK (current_revision >= 1),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        UNIQUE (org_id, id),
        FOREIGN KEY (org_id, group_id) REFERENCES groups(org_id, id)
      )`);
    await q.query(`CREATE UNIQUE INDEX policies_live_name ON policies (org_id, name) WHERE deleted_at IS NULL`);
    // Effective policies of a cluster: group_id = ANY(ancestors of the cluster's group).
    await q.query(`CREATE INDEX policies_live_group ON policies (org_id, group_id) INCLUDE (current_revision) WHERE deleted_at IS NULL`);

    await q.query(`
      CREATE TABLE policy_revisions (
        org_id uuid NOT NULL,
        policy_id uuid NOT NULL,
        revision integer NOT NULL CHECK (revision >= 1),
        group_id uuid NOT NULL,
        name text NOT NULL,
        api_version text NOT NULL,
        kind text NOT NULL,
        mode text NOT NULL CHECK (mode IN ('enforce', 'warn')),
        document text NOT NULL,
        document_sha256 text NOT NULL,
        actor_type text NOT NULL,
        actor_id text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (org_id, policy_id, revision),
        FOREIGN KEY (org_id, policy_id) REFERENCES policies(org_id, id) ON DELETE CASCADE
      )`);
    // Immutable: the app role cannot UPDATE (grants below), and nobody can by accident.
    await q.query(`
      CREATE FUNCTION vigil_policy_revisions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'policy revisions are immutable' USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`
      CREATE TRIGGER policy_revisions_immutable BEFORE UPDATE ON policy_revisions
        FOR EACH ROW EXECUTE FUNCTION vigil_policy_revisions_immutable()`);

    // Cosign verification results per (org, digest, key): digests are immutable,
    // so what a key verified stays true; lets replicas and restarts skip the registry.
    await q.query(`
      CREATE TABLE verified_image_facts (
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        digest text NOT NULL CHECK (digest ~ '^sha256:[0-9a-f]{64}$'),
        key_fingerprint text NOT NULL,
        hash_algorithm text NOT NULL,
        signatures jsonb NOT NULL,
        attestations jsonb NOT NULL,
        verified_at timestamptz NOT NULL,
        PRIMARY KEY (org_id, digest, key_fingerprint, hash_algorithm)
      )`);
    await q.query(`CREATE INDEX verified_image_facts_age ON verified_image_facts (org_id, verified_at)`);

    await q.query(`
      CREATE TABLE admission_decisions (
        id uuid PRIMARY KEY,
        org_id uuid NOT NULL,
        cluster_id uuid NOT NULL,
        request_uid text NOT NULL,
        kind text NOT NULL,
        namespace text NOT NULL,
        name text NOT NULL,
        operation text NOT NULL,
        owner jsonb,
        admission_user jsonb,
        labels jsonb NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('allowed', 'warned', 'denied')),
        warnings jsonb NOT NULL,
        reasons jsonb NOT NULL,
        images jsonb NOT NULL,
        policy_state_token text NOT NULL,
        decided_at timestamptz NOT NULL DEFAULT now(),
        -- set by the events outbox once dev.vigil.admission.v1 went out
        published_at timestamptz,
        FOREIGN KEY (org_id, cluster_id) REFERENCES clusters(org_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX admission_decisions_cluster_time ON admission_decisions (org_id, cluster_id, decided_at)`);
    await q.query(`CREATE INDEX admission_decisions_outbox ON admission_decisions (org_id, decided_at) WHERE published_at IS NULL AND outcome <> 'allowed'`);

    const grants: Record<string, string> = {
      policies: 'SELECT, INSERT, UPDATE',
      policy_revisions: 'SELECT, INSERT',
      verified_image_facts: 'SELECT, INSERT, UPDATE, DELETE',
      admission_decisions: 'SELECT, INSERT, UPDATE',
    };
    for (const [table, privileges] of Object.entries(grants)) {
      await q.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
      await q.query(`
        CREATE POLICY tenant_isolation ON ${table}
          USING (org_id = vigil_current_org()) WITH CHECK (org_id = vigil_current_org())`);
      await q.query(`GRANT ${privileges} ON ${table} TO vigil_app`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS admission_decisions, verified_image_facts, policy_revisions, policies`);
    await q.query(`DROP FUNCTION IF EXISTS vigil_policy_revisions_immutable()`);
  }
}
