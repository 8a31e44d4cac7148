import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tenancy and IAM: organizations, the group tree, identities, API tokens,
 * role bindings and the audit log, with row-level security as the second
 * wall behind the repositories' org filters.
 */
export class IamSpine1795809000000 implements MigrationInterface {
  name = 'IamSpine1795809000000';

  async up(q: QueryRunner): Promise<void> {
    // The app runs as vigil_app (SET ROLE at connect): it owns nothing, so RLS binds it.
    await q.query(`
      DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'vigil_app') THEN
          CREATE ROLE vigil_app NOLOGIN NOSUPERUSER NOBYPASSRLS;
        END IF;
      END $$`);
    await q.query(`
      DO $$ BEGIN
        EXECUTE format('GRANT vigil_app TO %I', current_user);
      EXCEPTION WHEN OTHERS THEN
        RAISE NOTICE 'could not grant vigil_app to %: %', current_user, SQLERRM;
      END $$`);
    await q.query(`GRANT USAGE ON SCHEMA public TO vigil_app`);

    await q.query(`
      CREATE FUNCTION vigil_current_org() RETURNS uuid LANGUAGE sql STABLE AS
      $$ SELECT NULLIF(current_setting('app.org_id', true), '')::uuid $$`);

    await q.query(`
      CREATE TABLE organizations (
        id uuid PRIMARY KEY,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        root_group_id uuid,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE groups (
        id uuid PRIMARY KEY,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        parent_id uuid,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        ancestor_ids uuid[] NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (org_id, id),
        FOREIGN KEY (org_id, parent_id) REFERENCES groups(org_id, id)
      )`);
    await q.query(`CREATE UNIQUE INDEX groups_sibling_name ON groups (org_id, parent_id, name) WHERE parent_id IS NOT NULL`);
    await q.query(`CREATE UNIQUE INDEX groups_one_root ON groups (org_id) WHERE parent_id IS NULL`);
    await q.query(`CREATE INDEX groups_ancestors ON groups USING gin (ancestor_ids)`);
    await q.query(`
      ALTER TABLE organizations ADD CONSTRAINT organizations_root_group
        FOREIGN KEY (id, root_group_id) REFERENCES groups(org_id, id) DEFERRABLE INITIALLY DEFERRED`);

    await q.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY,
        issuer text NOT NULL,
        subject text NOT NULL,
        email text,
        display_name text,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_login_at timestamptz,
        UNIQUE (issuer, subject)
      )`);
    await q.query(`
      CREATE TABLE identities (
        id uuid PRIMARY KEY,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        group_id uuid NOT NULL,
        kind text NOT NULL CHECK (kind IN ('service', 'user')),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        user_id uuid REFERENCES users(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        disabled_at timestamptz,
        UNIQUE (org_id, id),
        UNIQUE (org_id, user_id),
        CHECK ((kind = 'user') = (user_id IS NOT NULL)),
        FOREIGN KEY (org_id, group_id) REFERENCES groups(org_id, id)
      )`);
    await q.query(`CREATE INDEX identities_org_group ON identities (org_id, group_id)`);

    await q.query(`
      CREATE TABLE api_tokens (
        id uuid PRIMARY KEY,
        org_id uuid NOT NULL,
        identity_id uuid NOT NULL,
        name text NOT NULL DEFAULT '',
        token_hash bytea NOT NULL UNIQUE,
        token_prefix text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz,
        last_used_at timestamptz,
        revoked_at timestamptz,
        FOREIGN KEY (org_id, identity_id) REFERENCES identities(org_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX api_tokens_org_identity ON api_tokens (org_id, identity_id)`);

    await q.query(`
      CREATE TABLE role_bindings (
        id uuid PRIMARY KEY,
        org_id uuid NOT NULL,
        identity_id uuid NOT NULL,
        group_id uuid NOT NULL,
        role text NOT NULL CHECK (role IN ('owner', 'editor', 'viewer', 'agent')),
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (org_id, identity_id, group_id, role),
        FOREIGN KEY (org_id, identity_id) REFERENCES identities(org_id, id) ON DELETE CASCADE,
        FOREIGN KEY (org_id, group_id) REFERENCES groups(org_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX role_bindings_org_group ON role_bindings (org_id, group_id)`);

    await q.query(`
      CREATE TABLE audit_log (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        actor_type text NOT NULL,
        actor_id text NOT NULL,
        action text NOT NULL,
        object_type text NOT NULL,
        object_id text NOT NULL,
        details jsonb NOT NULL DEFAULT '{}'::jsonb,
        request_id text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX audit_log_org_id ON audit_log (org_id, id DESC)`);

    // Row-level security: a row is visible only inside a transaction that set app.org_id to its org.
    await q.query(`ALTER TABLE organizations ENABLE ROW LEVEL SECURITY`);
    await q.query(`
      CREATE POLICY tenant_isolation ON organizations
        USING (id = vigil_current_org()) WITH CHECK (id = vigil_current_org())`);
    for (const table of ['groups', 'identities', 'api_tokens', 'role_bindings', 'audit_log']) {
      await q.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
      await q.query(`
        CREATE POLICY tenant_isolation ON ${table}
          USING (org_id = vigil_current_org()) WITH CHECK (org_id = vigil_current_org())`);
    }

    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON organizations, groups, identities, api_tokens, role_bindings, users TO vigil_app`);
    // The audit log is append-only for the application.
    await q.query(`GRANT SELECT, INSERT ON audit_log TO vigil_app`);

    // Authentication happens before the org is known: these two narrow
    // SECURITY DEFINER lookups are the only way around RLS, and they return ids only.
    await q.query(`
      CREATE FUNCTION vigil_resolve_api_token(p_hash bytea)
      RETURNS TABLE (token_id uuid, org_id uuid, identity_id uuid, last_used_at timestamptz)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
        SELECT t.id, t.org_id, t.identity_id, t.last_used_at
          FROM api_tokens t JOIN identities i ON i.org_id = t.org_id AND i.id = t.identity_id
         WHERE t.token_hash = p_hash
           AND t.revoked_at IS NULL
           AND (t.expires_at IS NULL OR t.expires_at > now())
           AND i.disabled_at IS NULL
      $$`);
    await q.query(`
      CREATE FUNCTION vigil_user_memberships(p_user uuid)
      RETURNS TABLE (org_id uuid, identity_id uuid)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
        SELECT i.org_id, i.id FROM identities i WHERE i.user_id = p_user AND i.disabled_at IS NULL
      $$`);
    await q.query(`REVOKE ALL ON FUNCTION vigil_resolve_api_token(bytea), vigil_user_memberships(uuid) FROM PUBLIC`);
    await q.query(`GRANT EXECUTE ON FUNCTION vigil_resolve_api_token(bytea), vigil_user_memberships(uuid) TO vigil_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION IF EXISTS vigil_user_memberships(uuid)`);
    await q.query(`DROP FUNCTION IF EXISTS vigil_resolve_api_token(bytea)`);
    await q.query(`DROP TABLE IF EXISTS audit_log, role_bindings, api_tokens, identities, users`);
    await q.query(`ALTER TABLE organizations DROP CONSTRAINT IF EXISTS organizations_root_group`);
    await q.query(`DROP TABLE IF EXISTS groups, organizations`);
    await q.query(`DROP FUNCTION IF EXISTS vigil_current_org()`);
  }
}
