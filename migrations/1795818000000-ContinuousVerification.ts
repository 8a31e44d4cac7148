import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Continuous verification: what is due to be (re-)verified per cluster and
 * digest, the latest result per (cluster, digest, policy), violations (never
 * deleted) with the response actions they caused, per-org sweep schedules, and
 * the durable record of policy changes still to fan out. Postgres is the
 * truth; Redis jobs are only a fast path that the sweep can rebuild.
 */
export class ContinuousVerification1795818000000 implements MigrationInterface {
  name = 'ContinuousVerification1795818000000';

  async up(q: QueryRunner): Promise<void> {
    // One row per (cluster, digest) that ran: due_at not null = work outstanding (not before due_at).
    await q.query(`
      CREATE TABLE verification_targets (
        org_id uuid NOT NULL,
        cluster_id uuid NOT NULL,
        image_digest text NOT NULL,
        due_at timestamptz,
        verified_at timestamptz,
        policy_state_token text,
        failures integer NOT NULL DEFAULT 0,
        last_error text,
        failed_at timestamptz,
        PRIMARY KEY (org_id, cluster_id, image_digest),
        FOREIGN KEY (org_id, cluster_id) REFERENCES clusters(org_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX verification_targets_due ON verification_targets (due_at) WHERE due_at IS NOT NULL`);
    await q.query(`CREATE INDEX verification_targets_failed ON verification_targets (org_id, failed_at DESC) WHERE failed_at IS NOT NULL`);

    await q.query(`
      CREATE TABLE evaluations (
        org_id uuid NOT NULL,
        cluster_id uuid NOT NULL,
        image_digest text NOT NULL,
        policy_id uuid NOT NULL,
        -- identity of this result's lifetime: event ids derive from it and the transition count
        generation uuid NOT NULL,
        policy_name text NOT NULL,
        revision integer NOT NULL,
        mode text NOT NULL CHECK (mode IN ('enforce', 'warn')),
        image_ref text NOT NULL,
        valid boolean NOT NULL,
        diagnostic text NOT NULL,
        reasons jsonb NOT NULL,
        transitions integer NOT NULL,
        first_checked timestamptz NOT NULL,
        last_checked timestamptz NOT NULL,
        changed_at timestamptz NOT NULL,
        PRIMARY KEY (org_id, cluster_id, image_digest, policy_id),
        FOREIGN KEY (org_id, cluster_id) REFERENCES clusters(org_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX evaluations_policy ON evaluations (org_id, policy_id)`);
    await q.query(`CREATE INDEX evaluations_digest ON evaluations (org_id, image_digest)`);

    // History outlives clusters and policies: no foreign keys to them, and the app role cannot DELETE.
    await q.query(`
      CREATE TABLE violations (
        id uuid PRIMARY KEY,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        cluster_id uuid NOT NULL,
        group_id uuid NOT NULL,
        policy_id uuid NOT NULL,
        policy_name text NOT NULL,
        policy_revision integer NOT NULL,
        mode text NOT NULL CHECK (mode IN ('enforce', 'warn')),
        image_digest text NOT NULL,
        image_ref text NOT NULL,
        workloads jsonb NOT NULL,
        reasons jsonb NOT NULL,
        state text NOT NULL CHECK (state IN ('open', 'resolved')),
        opened_at timestamptz NOT NULL,
        resolved_at timestamptz,
        resolution text CHECK (resolution IN ('passed', 'stopped-running', 'policy-removed')),
        CHECK ((state = 'open') = (resolved_at IS NULL))
      )`);
    await q.query(`CREATE UNIQUE INDEX violations_one_open ON violations (org_id, cluster_id, image_digest, policy_id) WHERE state = 'open'`);
    await q.query(`CREATE INDEX violations_list ON violations (org_id, state, id)`);
    await q.query(`CREATE INDEX violations_cluster ON violations (org_id, cluster_id, id)`);

    await q.query(`
      CREATE TABLE violation_actions (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        org_id uuid NOT NULL,
        violation_id uuid NOT NULL REFERENCES violations(id),
        type text NOT NULL,
        command_id uuid NOT NULL,
        namespace text NOT NULL,
        workload_kind text NOT NULL,
        workload_name text NOT NULL,
        queued_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX violation_actions_violation ON violation_actions (org_id, violation_id)`);

    await q.query(`
      CREATE TABLE verification_schedules (
        org_id uuid PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
        interval_seconds integer NOT NULL DEFAULT 600 CHECK (interval_seconds BETWEEN 10 AND 86400),
        last_sweep_at timestamptz,
        next_sweep_at timestamptz NOT NULL DEFAULT now()
      )`);

    // Written in the policy change's own transaction; the fan-out marks the affected targets due.
    await q.query(`
      CREATE TABLE policy_verification_changes (
        id uuid PRIMARY KEY,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        policy_id uuid NOT NULL,
        revision integer,
        created_at timestamptz NOT NULL DEFAULT now(),
        processed_at timestamptz
      )`);
    await q.query(`CREATE INDEX policy_verification_changes_pending ON policy_verification_changes (created_at) WHERE processed_at IS NULL`);

    // "Which digests run in this cluster now": the verify job's and the sweep's probe.
    await q.query(`CREATE INDEX observations_running_digest ON observations (org_id, cluster_id, image_digest) WHERE running`);

    for (const table of ['verification_targets', 'evaluations', 'violations', 'violation_actions', 'verification_schedules', 'policy_verification_changes']) {
      await q.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
      await q.query(`
        CREATE POLICY tenant_isolation ON ${table}
          USING (org_id = vigil_current_org()) WITH CHECK (org_id = vigil_current_org())`);
    }
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON verification_targets, evaluations, verification_schedules, policy_verification_changes TO vigil_app`);
    // Violations are never deleted; actions are an append-only log.
    await q.query(`GRANT SELECT, INSERT, UPDATE ON violations TO vigil_app`);
    await q.query(`GRANT SELECT, INSERT ON violation_actions TO vigil_app`);

    // The sweep spans orgs: it learns which (org, cluster) have due work, then works inside each org.
    await q.query(`
      CREATE FUNCTION vigil_due_verifications(p_clusters integer)
      RETURNS TABLE (org_id uuid, cluster_id uuid, digests text[], due_at timestamptz)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
        SELECT t.org_id, t.cluster_id, array_agg(t.image_digest ORDER BY t.image_digest), min(t.due_at)
          FROM verification_targets t
         WHERE t.due_at <= now()
         GROUP BY t.org_id, t.cluster_id
         ORDER BY min(t.due_at)
         LIMIT p_clusters
      $$`);
    await q.query(`
      CREATE FUNCTION vigil_due_verification_sweeps()
      RETURNS TABLE (org_id uuid)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
        SELECT o.id FROM organizations o
         WHERE EXISTS (SELECT 1 FROM clusters c WHERE c.org_id = o.id AND c.deleted_at IS NULL)
           AND NOT EXISTS (SELECT 1 FROM verification_schedules s WHERE s.org_id = o.id AND s.next_sweep_at > now())
      $$`);
    await q.query(`
      CREATE FUNCTION vigil_pending_policy_verifications(p_older_than_seconds integer, p_limit integer)
      RETURNS TABLE (org_id uuid, change_id uuid)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
        SELECT c.org_id, c.id FROM policy_verification_changes c
         WHERE c.processed_at IS NULL AND c.created_at <= now() - make_interval(secs => p_older_than_seconds)
         ORDER BY c.created_at LIMIT p_limit
      $$`);
    // SBOMs and advisories are platform-wide: which orgs run any of these digests now.
    await q.query(`
      CREATE FUNCTION vigil_orgs_running_digests(p_digests text[])
      RETURNS TABLE (org_id uuid)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
        SELECT DISTINCT t.org_id FROM verification_targets t WHERE t.image_digest = ANY (p_digests)
      $$`);
    const fns = 'vigil_due_verifications(integer), vigil_due_verification_sweeps(), vigil_pending_policy_verifications(integer, integer), vigil_orgs_running_digests(text[])';
    await q.query(`REVOKE ALL ON FUNCTION ${fns} FROM PUBLIC`);
    await q.query(`GRANT EXECUTE ON FUNCTION ${fns} TO vigil_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `DROP FUNCTION IF EXISTS vigil_orgs_running_digests(text[]), vigil_pending_policy_verifications(integer, integer), vigil_due_verification_sweeps(), vigil_due_verifications(integer)`,
    );
    await q.query(`DROP INDEX IF EXISTS observations_running_digest`);
    await q.query(`DROP TABLE IF EXISTS policy_verification_changes, verification_schedules, violation_actions, violations, evaluations, verification_targets`);
  }
}
