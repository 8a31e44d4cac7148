import { MigrationInterface, QueryRunner } from 'typeorm';
import { AgentNonceFunction1795823000000 } from './1795823000000-AgentNonceFunction';

/**
 * The admission hot path keeps agent credentials and each cluster's effective
 * policies in memory (libs/shared/database InvalidatedCache). These triggers
 * tell every API replica when what it holds changed, whoever changed it:
 *
 *  - `vigil_agent_credentials`: `key:<key_id>` when a credential is revoked,
 *    expires, is resealed or removed; `cluster:<id>` when its cluster is
 *    retired or removed. Heartbeats and last-used touches do not notify.
 *  - `vigil_policy_state`: `org:<id>` when a policy, a cluster's group or
 *    no-match behaviour, or the group tree changes.
 *
 * Notifications are sent at commit (and deduplicated per transaction) by Postgres.
 * The credential lookup also returns `expires_at`, so a cached credential
 * lapses on time without a notification. The replay guard takes a batch of
 * nonces per call (the API groups concurrent agent requests).
 */
export class CacheInvalidationNotifications1795830000000 implements MigrationInterface {
  name = 'CacheInvalidationNotifications1795830000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION vigil_notify_credential_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_TABLE_NAME = 'cluster_credentials' THEN
          PERFORM pg_notify('vigil_agent_credentials', 'key:' || OLD.key_id);
        ELSE
          PERFORM pg_notify('vigil_agent_credentials', 'cluster:' || OLD.id);
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE FUNCTION vigil_notify_policy_state_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('vigil_policy_state', 'org:' || (CASE WHEN TG_OP = 'INSERT' THEN NEW.org_id ELSE OLD.org_id END));
        RETURN NULL;
      END $$`);

    await q.query(`
      CREATE TRIGGER cluster_credentials_notify_change
      AFTER UPDATE OF revoked_at, expires_at, secret_sealed, cluster_id ON cluster_credentials
      FOR EACH ROW WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at OR OLD.expires_at IS DISTINCT FROM NEW.expires_at
                         OR OLD.secret_sealed IS DISTINCT FROM NEW.secret_sealed OR OLD.cluster_id IS DISTINCT FROM NEW.cluster_id)
      EXECUTE FUNCTION vigil_notify_credential_change()`);
    await q.query(`CREATE TRIGGER cluster_credentials_notify_delete AFTER DELETE ON cluster_credentials FOR EACH ROW EXECUTE FUNCTION vigil_notify_credential_change()`);
    await q.query(`
      CREATE TRIGGER clusters_notify_credentials AFTER UPDATE OF deleted_at ON clusters
      FOR EACH ROW WHEN (OLD.deleted_at IS DISTINCT FROM NEW.deleted_at)
      EXECUTE FUNCTION vigil_notify_credential_change()`);
    await q.query(`CREATE TRIGGER clusters_notify_credentials_delete AFTER DELETE ON clusters FOR EACH ROW EXECUTE FUNCTION vigil_notify_credential_change()`);

    await q.query(`CREATE TRIGGER policies_notify_state AFTER INSERT OR UPDATE OR DELETE ON policies FOR EACH ROW EXECUTE FUNCTION vigil_notify_policy_state_change()`);
    await q.query(`
      CREATE TRIGGER clusters_notify_policy_state AFTER UPDATE OF deleted_at, no_match, group_id ON clusters
      FOR EACH ROW WHEN (OLD.deleted_at IS DISTINCT FROM NEW.deleted_at OR OLD.no_match IS DISTINCT FROM NEW.no_match OR OLD.group_id IS DISTINCT FROM NEW.group_id)
      EXECUTE FUNCTION vigil_notify_policy_state_change()`);
    await q.query(`CREATE TRIGGER clusters_notify_policy_state_delete AFTER DELETE ON clusters FOR EACH ROW EXECUTE FUNCTION vigil_notify_policy_state_change()`);
    await q.query(`
      CREATE TRIGGER groups_notify_policy_state AFTER UPDATE OF parent_id, ancestor_ids ON groups
      FOR EACH ROW WHEN (OLD.parent_id IS DISTINCT FROM NEW.parent_id OR OLD.ancestor_ids IS DISTINCT FROM NEW.ancestor_ids)
      EXECUTE FUNCTION vigil_notify_policy_state_change()`);
    await q.query(`CREATE TRIGGER groups_notify_policy_state_delete AFTER DELETE ON groups FOR EACH ROW EXECUTE FUNCTION vigil_notify_policy_state_change()`);

    await q.query(`DROP FUNCTION vigil_agent_credential(text)`);
    await q.query(`
      CREATE FUNCTION vigil_agent_credential(p_key_id text)
      RETURNS TABLE (org_id uuid, cluster_id uuid, secret_sealed bytea, expires_at timestamptz)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
        SELECT k.org_id, k.cluster_id, k.secret_sealed, k.expires_at
          FROM cluster_credentials k JOIN clusters c ON c.org_id = k.org_id AND c.id = k.cluster_id
         WHERE k.key_id = p_key_id AND k.revoked_at IS NULL
           AND (k.expires_at IS NULL OR k.expires_at > now()) AND c.deleted_at IS NULL
      $$`);
    await q.query(`REVOKE ALL ON FUNCTION vigil_agent_credential(text) FROM PUBLIC`);
    await q.query(`GRANT EXECUTE ON FUNCTION vigil_agent_credential(text) TO vigil_app`);

    // The replay guard for a batch of agent requests in one call; answers the (1-based) positions
    // of the fresh nonces. Callers pass distinct (cluster, nonce) pairs. Touching last_used_at skips
    // rows another batch holds, so concurrent batches never wait on (or deadlock over) credentials.
    await q.query(`
      CREATE FUNCTION vigil_remember_agent_nonces(p_orgs uuid[], p_clusters uuid[], p_nonces text[], p_expires timestamptz[], p_key_ids text[])
      RETURNS SETOF integer
      LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path FROM CURRENT AS $$
        WITH input AS (
          SELECT * FROM unnest(p_orgs, p_clusters, p_nonces, p_expires, p_key_ids) WITH ORDINALITY AS i(org_id, cluster_id, nonce, expires_at, key_id, position)
        ), fresh AS (
          INSERT INTO agent_request_nonces (org_id, cluster_id, nonce, expires_at)
          SELECT org_id, cluster_id, nonce, expires_at FROM input
          ON CONFLICT (cluster_id, nonce) DO UPDATE SET expires_at = EXCLUDED.expires_at
            WHERE agent_request_nonces.expires_at <= now()
          RETURNING cluster_id, nonce
        ), fresh_input AS (
          SELECT i.* FROM input i JOIN fresh f ON f.cluster_id = i.cluster_id AND f.nonce = i.nonce
        ), touched AS (
          UPDATE cluster_credentials k SET last_used_at = now()
           WHERE k.key_id IN (
             SELECT c.key_id FROM cluster_credentials c JOIN fresh_input i ON i.org_id = c.org_id AND i.cluster_id = c.cluster_id AND i.key_id = c.key_id
              WHERE c.last_used_at IS NULL OR c.last_used_at < now() - interval '1 minute'
              FOR UPDATE OF c SKIP LOCKED)
          RETURNING 1
        )
        SELECT position::integer FROM fresh_input
      $$`);
    await q.query(`REVOKE ALL ON FUNCTION vigil_remember_agent_nonces(uuid[], uuid[], text[], timestamptz[], text[]) FROM PUBLIC`);
    await q.query(`GRANT EXECUTE ON FUNCTION vigil_remember_agent_nonces(uuid[], uuid[], text[], timestamptz[], text[]) TO vigil_app`);
    await q.query(`DROP FUNCTION vigil_remember_agent_nonce(uuid, uuid, text, timestamptz, text)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION vigil_remember_agent_nonces(uuid[], uuid[], text[], timestamptz[], text[])`);
    await new AgentNonceFunction1795823000000().up(q);
    await q.query(`DROP FUNCTION vigil_agent_credential(text)`);
    await q.query(`
      CREATE FUNCTION vigil_agent_credential(p_key_id text)
      RETURNS TABLE (org_id uuid, cluster_id uuid, secret_sealed bytea)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
        SELECT k.org_id, k.cluster_id, k.secret_sealed
          FROM cluster_credentials k JOIN clusters c ON c.org_id = k.org_id AND c.id = k.cluster_id
         WHERE k.key_id = p_key_id AND k.revoked_at IS NULL
           AND (k.expires_at IS NULL OR k.expires_at > now()) AND c.deleted_at IS NULL
      $$`);
    await q.query(`REVOKE ALL ON FUNCTION vigil_agent_credential(text) FROM PUBLIC`);
    await q.query(`GRANT EXECUTE ON FUNCTION vigil_agent_credential(text) TO vigil_app`);
    for (const [trigger, table] of [
      ['groups_notify_policy_state_delete', 'groups'],
      ['groups_notify_policy_state', 'groups'],
      ['clusters_notify_policy_state_delete', 'clusters'],
      ['clusters_notify_policy_state', 'clusters'],
      ['policies_notify_state', 'policies'],
      ['clusters_notify_credentials_delete', 'clusters'],
      ['clusters_notify_credentials', 'clusters'],
      ['cluster_credentials_notify_delete', 'cluster_credentials'],
      ['cluster_credentials_notify_change', 'cluster_credentials'],
    ]) {
      await q.query(`DROP TRIGGER IF EXISTS ${trigger} ON ${table}`);
    }
    await q.query(`DROP FUNCTION IF EXISTS vigil_notify_policy_state_change(), vigil_notify_credential_change()`);
  }
}
