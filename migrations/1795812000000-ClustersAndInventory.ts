import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Clusters and their agent credentials, the agent command queue, and the
 * historical inventory: images by digest and observations as intervals.
 */
export class ClustersAndInventory1795812000000 implements MigrationInterface {
  name = 'ClustersAndInventory1795812000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS btree_gist`);
    await q.query(`ALTER TABLE organizations ADD COLUMN inventory_retention_days integer CHECK (inventory_retention_days > 0)`);

    await q.query(`
      CREATE TABLE clusters (
        id uuid PRIMARY KEY,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        group_id uuid NOT NULL,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        no_match text NOT NULL DEFAULT 'warn' CHECK (no_match IN ('allow', 'warn', 'deny')),
        health text NOT NULL DEFAULT 'pending' CHECK (health IN ('pending', 'healthy', 'unhealthy')),
        unhealthy_after_seconds integer NOT NULL DEFAULT 300 CHECK (unhealthy_after_seconds BETWEEN 30 AND 86400),
        last_heartbeat_at timestamptz,
        agent_version text,
        kubernetes_version text,
        node_count integer,
        created_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        UNIQUE (org_id, id),
        FOREIGN KEY (org_id, group_id) REFERENCES groups(org_id, id)
      )`);
    await q.query(`CREATE UNIQUE INDEX clusters_live_name ON clusters (org_id, name) WHERE deleted_at IS NULL`);
    await q.query(`CREATE INDEX clusters_org_group ON clusters (org_id, group_id)`);

    await q.query(`
      CREATE TABLE cluster_registration_tokens (
        id uuid PRIMARY KEY,
        org_id uuid NOT NULL,
        cluster_id uuid NOT NULL,
        token_hash bytea NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        FOREIGN KEY (org_id, cluster_id) REFERENCES clusters(org_id, id) ON DELETE CASCADE
      )`);
    await q.query(`
      CREATE TABLE cluster_credentials (
        key_id text PRIMARY KEY,
        org_id uuid NOT NULL,
        cluster_id uuid NOT NULL,
        secret_sealed bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz,
        revoked_at timestamptz,
        last_used_at timestamptz,
        FOREIGN KEY (org_id, cluster_id) REFERENCES clusters(org_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX cluster_credentials_cluster ON cluster_credentials (org_id, cluster_id)`);
    await q.query(`
      CREATE TABLE agent_request_nonces (
        org_id uuid NOT NULL,
        cluster_id uuid NOT NULL,
        nonce text NOT NULL,
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (cluster_id, nonce)
      )`);
    await q.query(`CREATE INDEX agent_request_nonces_expiry ON agent_request_nonces (expires_at)`);
    await q.query(`
      CREATE TABLE agent_commands (
        id uuid PRIMARY KEY,
        org_id uuid NOT NULL,
        cluster_id uuid NOT NULL,
        type text NOT NULL,
        payload_sealed bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        acked_at timestamptz,
        outcome text,
        message text,
        FOREIGN KEY (org_id, cluster_id) REFERENCES clusters(org_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX agent_commands_pending ON agent_commands (org_id, cluster_id, created_at) WHERE acked_at IS NULL`);

    await q.query(`
      CREATE TABLE agent_inventory_state (
        org_id uuid NOT NULL,
        cluster_id uuid NOT NULL,
        agent_id text NOT NULL,
        last_sequence bigint NOT NULL,
        snapshot_id text,
        snapshot_started_at timestamptz,
        last_snapshot_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (cluster_id, agent_id),
        FOREIGN KEY (org_id, cluster_id) REFERENCES clusters(org_id, id) ON DELETE CASCADE
      )`);

    await q.query(`
      CREATE TABLE images (
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        digest text NOT NULL CHECK (digest ~ '^sha256:[0-9a-f]{64}$'),
        first_seen timestamptz NOT NULL,
        last_seen timestamptz NOT NULL,
        PRIMARY KEY (org_id, digest)
      )`);
    await q.query(`
      CREATE TABLE image_references (
        org_id uuid NOT NULL,
        digest text NOT NULL,
        ref text NOT NULL,
        first_seen timestamptz NOT NULL,
        last_seen timestamptz NOT NULL,
        PRIMARY KEY (org_id, digest, ref),
        FOREIGN KEY (org_id, digest) REFERENCES images(org_id, digest) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX image_references_ref ON image_references (org_id, ref)`);

    // One row per (cluster, pod, container, digest): the interval [first_seen, last_seen)
    // in which it ran. `active_during` makes "what ran at T" one GiST probe.
    await q.query(`
      CREATE TABLE observations (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        org_id uuid NOT NULL,
        cluster_id uuid NOT NULL,
        pod_uid text NOT NULL,
        namespace text NOT NULL,
        pod_name text NOT NULL,
        workload_kind text,
        workload_name text,
        node text,
        container_name text NOT NULL,
        container_type text NOT NULL CHECK (container_type IN ('container', 'init', 'ephemeral')),
        image_ref text NOT NULL,
        image_digest text NOT NULL,
        first_seen timestamptz NOT NULL,
        last_seen timestamptz NOT NULL,
        running boolean NOT NULL,
        -- the last full snapshot that listed it: a finished snapshot closes what it did not list
        seen_in_snapshot text,
        active_during tstzrange GENERATED ALWAYS AS
          (tstzrange(first_seen, CASE WHEN running THEN 'infinity'::timestamptz ELSE greatest(last_seen, first_seen) END, '[)')) STORED,
        UNIQUE (org_id, cluster_id, pod_uid, container_name, image_digest),
        FOREIGN KEY (org_id, cluster_id) REFERENCES clusters(org_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX observations_active ON observations USING gist (org_id, active_during)`);
    await q.query(`CREATE INDEX observations_running ON observations (org_id, cluster_id, pod_uid) WHERE running`);
    await q.query(`CREATE INDEX observations_digest ON observations (org_id, image_digest, first_seen)`);

    for (const table of ['clusters', 'cluster_registration_tokens', 'cluster_credentials', 'agent_request_nonces', 'agent_commands', 'agent_inventory_state', 'images', 'image_references', 'observations']) {
      await q.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
      await q.query(`
        CREATE POLICY tenant_isolation ON ${table}
          USING (org_id = vigil_current_org()) WITH CHECK (org_id = vigil_current_org())`);
      await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${table} TO vigil_app`);
    }

    // Agent requests name only a key id; these narrow lookups run before the org is known.
    await q.query(`
      CREATE FUNCTION vigil_agent_credential(p_key_id text)
      RETURNS TABLE (org_id uuid, cluster_id uuid, secret_sealed bytea)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
        SELECT k.org_id, k.cluster_id, k.secret_sealed
          FROM cluster_credentials k JOIN clusters c ON c.org_id = k.org_id AND c.id = k.cluster_id
         WHERE k.key_id = p_key_id AND k.revoked_at IS NULL
           AND (k.expires_at IS NULL OR k.expires_at > now()) AND c.deleted_at IS NULL
      $$`);
    await q.query(`
      CREATE FUNCTION vigil_registration_token(p_hash bytea)
      RETURNS TABLE (org_id uuid, cluster_id uuid)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
        SELECT t.org_id, t.cluster_id
          FROM cluster_registration_tokens t JOIN clusters c ON c.org_id = t.org_id AND c.id = t.cluster_id
         WHERE t.token_hash = p_hash AND t.used_at IS NULL AND t.expires_at > now() AND c.deleted_at IS NULL
      $$`);
    // Housekeeping spans orgs: it learns only which orgs have work, then works inside each.
    await q.query(`
      CREATE FUNCTION vigil_orgs_with_clusters()
      RETURNS TABLE (org_id uuid, inventory_retention_days integer)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
        SELECT o.id, o.inventory_retention_days FROM organizations o
         WHERE EXISTS (SELECT 1 FROM clusters c WHERE c.org_id = o.id)
      $$`);
    const fns = 'vigil_agent_credential(text), vigil_registration_token(bytea), vigil_orgs_with_clusters()';
    await q.query(`REVOKE ALL ON FUNCTION ${fns} FROM PUBLIC`);
    await q.query(`GRANT EXECUTE ON FUNCTION ${fns} TO vigil_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION IF EXISTS vigil_orgs_with_clusters(), vigil_registration_token(bytea), vigil_agent_credential(text)`);
    await q.query(`DROP TABLE IF EXISTS observations, image_references, images, agent_inventory_state, agent_commands, agent_request_nonces, cluster_credentials, cluster_registration_tokens, clusters`);
    await q.query(`ALTER TABLE organizations DROP COLUMN IF EXISTS inventory_retention_days`);
  }
}
