import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The agent replay guard runs on every agent request. As a transaction it
 * cost four round trips (BEGIN, org setting, statement, COMMIT); as one
 * function call outside a transaction it costs one. The org and cluster come
 * from the credential the guard has just verified, never from the request.
 */
export class AgentNonceFunction1795823000000 implements MigrationInterface {
  name = 'AgentNonceFunction1795823000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION vigil_remember_agent_nonce(p_org uuid, p_cluster uuid, p_nonce text, p_expires timestamptz, p_key_id text)
      RETURNS boolean
      LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path FROM CURRENT AS $$
      DECLARE
        fresh boolean;
      BEGIN
        INSERT INTO agent_request_nonces (org_id, cluster_id, nonce, expires_at) VALUES (p_org, p_cluster, p_nonce, p_expires)
        ON CONFLICT (cluster_id, nonce) DO UPDATE SET expires_at = EXCLUDED.expires_at
          WHERE agent_request_nonces.expires_at <= now()
        RETURNING true INTO fresh;
        IF fresh THEN
          UPDATE cluster_credentials SET last_used_at = now()
           WHERE org_id = p_org AND key_id = p_key_id AND cluster_id = p_cluster
             AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute');
        END IF;
        RETURN coalesce(fresh, false);
      END
      $$`);
    await q.query(`REVOKE ALL ON FUNCTION vigil_remember_agent_nonce(uuid, uuid, text, timestamptz, text) FROM PUBLIC`);
    await q.query(`GRANT EXECUTE ON FUNCTION vigil_remember_agent_nonce(uuid, uuid, text, timestamptz, text) TO vigil_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION IF EXISTS vigil_remember_agent_nonce(uuid, uuid, text, timestamptz, text)`);
  }
}
