import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An admission decision and its request's nonce, committed together in one
 * statement: before, a decision waited on two group commits (the replay
 * guard's nonce, then BEGIN / org setting / INSERT / COMMIT for the decision),
 * five round trips and two WAL flushes per batch on the hottest path there is.
 *
 * `p_decisions[i]` was decided for the request whose nonce is
 * (`p_clusters[i]`, `p_nonces[i]`); only decisions whose nonce is new are
 * inserted, and their (1-based) positions are the answer: the others are
 * replays and must be refused. Callers pass distinct (cluster, nonce) pairs.
 *
 * SECURITY INVOKER: the org setting is local to the statement's transaction
 * (a single statement is one), so row-level security checks every decision
 * row against `p_org` as in any org transaction. The nonces go through
 * vigil_remember_agent_nonces (SECURITY DEFINER), as every agent request's do.
 */
export class AdmissionDecisionCommit1795860000000 implements MigrationInterface {
  name = 'AdmissionDecisionCommit1795860000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION vigil_record_admission_decisions(
        p_org uuid, p_decisions jsonb, p_clusters uuid[], p_nonces text[], p_expires timestamptz[], p_key_ids text[])
      RETURNS SETOF integer
      LANGUAGE plpgsql VOLATILE SECURITY INVOKER AS $fn$
      DECLARE
        fresh integer[];
      BEGIN
        IF jsonb_array_length(p_decisions) <> cardinality(p_nonces) THEN
          RAISE EXCEPTION 'one nonce per decision: % decisions, % nonces', jsonb_array_length(p_decisions), cardinality(p_nonces);
        END IF;
        PERFORM set_config('app.org_id', p_org::text, true);
        fresh := ARRAY(SELECT vigil_remember_agent_nonces(array_fill(p_org, ARRAY[cardinality(p_nonces)]), p_clusters, p_nonces, p_expires, p_key_ids));
        INSERT INTO admission_decisions
          (id, org_id, cluster_id, request_uid, kind, namespace, name, operation, owner, admission_user, labels,
           outcome, warnings, reasons, images, policy_state_token, decided_at, published_at)
        SELECT id, org_id, cluster_id, request_uid, kind, namespace, name, operation, owner, admission_user, labels,
               outcome, warnings, reasons, images, policy_state_token, decided_at, published_at
          FROM ROWS FROM (jsonb_to_recordset(p_decisions) AS (
            id uuid, org_id uuid, cluster_id uuid, request_uid text, kind text, namespace text, name text, operation text,
            owner jsonb, admission_user jsonb, labels jsonb, outcome text, warnings jsonb, reasons jsonb, images jsonb,
            policy_state_token text, decided_at timestamptz, published_at timestamptz)) WITH ORDINALITY AS r(
            id, org_id, cluster_id, request_uid, kind, namespace, name, operation, owner, admission_user, labels,
            outcome, warnings, reasons, images, policy_state_token, decided_at, published_at, position)
         WHERE r.position = ANY(fresh);
        RETURN QUERY SELECT unnest(fresh);
      END
      $fn$`);
    await q.query(`REVOKE ALL ON FUNCTION vigil_record_admission_decisions(uuid, jsonb, uuid[], text[], timestamptz[], text[]) FROM PUBLIC`);
    await q.query(`GRANT EXECUTE ON FUNCTION vigil_record_admission_decisions(uuid, jsonb, uuid[], text[], timestamptz[], text[]) TO vigil_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION vigil_record_admission_decisions(uuid, jsonb, uuid[], text[], timestamptz[], text[])`);
  }
}
