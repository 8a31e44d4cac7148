import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The event log (an outbox: events are written in the transaction that causes
 * them), CloudEvents subscriptions, and the delivery log with every attempt.
 */
export class EventsAndSubscriptions1795817000000 implements MigrationInterface {
  name = 'EventsAndSubscriptions1795817000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE events (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id uuid NOT NULL UNIQUE,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        group_id uuid NOT NULL,
        -- the group's path when the event happened: visibility survives later moves and deletions
        group_path uuid[] NOT NULL,
        type text NOT NULL,
        source text NOT NULL,
        subject text,
        time timestamptz NOT NULL,
        data jsonb NOT NULL
      )`);
    await q.query(`CREATE INDEX events_org_seq ON events (org_id, seq)`);
    await q.query(`CREATE INDEX events_org_type ON events (org_id, type, seq)`);
    await q.query(`CREATE INDEX events_group_path ON events USING gin (group_path)`);

    await q.query(`
      CREATE TABLE subscriptions (
        id uuid PRIMARY KEY,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        group_id uuid NOT NULL,
        sink text NOT NULL,
        types text[] NOT NULL DEFAULT '{}',
        mode text NOT NULL DEFAULT 'binary' CHECK (mode IN ('binary', 'structured')),
        secret_sealed bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        failing_since timestamptz,
        next_probe_at timestamptz,
        FOREIGN KEY (org_id, group_id) REFERENCES groups(org_id, id)
      )`);
    await q.query(`CREATE INDEX subscriptions_org_group ON subscriptions (org_id, group_id) WHERE deleted_at IS NULL`);

    await q.query(`
      CREATE TABLE deliveries (
        id uuid PRIMARY KEY,
        org_id uuid NOT NULL,
        subscription_id uuid NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
        event_id uuid NOT NULL REFERENCES events(id) ON DELETE CASCADE,
        state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'succeeded', 'dead')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_status_code integer,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz,
        UNIQUE (subscription_id, event_id)
      )`);
    await q.query(`CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE state = 'pending'`);
    await q.query(`CREATE INDEX deliveries_subscription ON deliveries (org_id, subscription_id, created_at DESC)`);

    await q.query(`
      CREATE TABLE delivery_attempts (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        org_id uuid NOT NULL,
        delivery_id uuid NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
        attempted_at timestamptz NOT NULL DEFAULT now(),
        status_code integer,
        latency_ms integer NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('succeeded', 'failed', 'skipped')),
        error text
      )`);
    await q.query(`CREATE INDEX delivery_attempts_delivery ON delivery_attempts (org_id, delivery_id, id)`);

    for (const table of ['events', 'subscriptions', 'deliveries', 'delivery_attempts']) {
      await q.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
      await q.query(`
        CREATE POLICY tenant_isolation ON ${table}
          USING (org_id = vigil_current_org()) WITH CHECK (org_id = vigil_current_org())`);
    }
    // The event log is append-only for the application.
    await q.query(`GRANT SELECT, INSERT ON events TO vigil_app`);
    await q.query(`GRANT SELECT, INSERT, UPDATE ON subscriptions, deliveries TO vigil_app`);
    await q.query(`GRANT SELECT, INSERT ON delivery_attempts TO vigil_app`);

    // The delivery sweep spans orgs: it learns which deliveries are due, then works inside each org.
    await q.query(`
      CREATE FUNCTION vigil_due_deliveries(p_limit integer)
      RETURNS TABLE (org_id uuid, delivery_id uuid, attempts integer)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
        SELECT d.org_id, d.id, d.attempts FROM deliveries d
         WHERE d.state = 'pending' AND d.next_attempt_at <= now()
         ORDER BY d.next_attempt_at LIMIT p_limit
      $$`);
    await q.query(`REVOKE ALL ON FUNCTION vigil_due_deliveries(integer) FROM PUBLIC`);
    await q.query(`GRANT EXECUTE ON FUNCTION vigil_due_deliveries(integer) TO vigil_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION IF EXISTS vigil_due_deliveries(integer)`);
    await q.query(`DROP TABLE IF EXISTS delivery_attempts, deliveries, subscriptions, events`);
  }
}
