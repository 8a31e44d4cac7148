import { Client } from 'pg';
import { ApiHarness } from '../support/api-harness';
import { createTenant, TenantFixture } from '../support/tenant-fixtures';

const TENANT_TABLES = ['organizations', 'groups', 'identities', 'api_tokens', 'role_bindings', 'audit_log'];

/**
 * The second wall: even a query that forgets its org filter, run the way the
 * application runs (as vigil_app, inside a transaction with app.org_id),
 * sees only its own org's rows.
 */
describe('row-level security', () => {
  let api: ApiHarness;
  let a: TenantFixture;
  let b: TenantFixture;
  let client: Client;

  beforeAll(async () => {
    api = await ApiHarness.start();
    a = await createTenant(api, 'rls-a');
    b = await createTenant(api, 'rls-b');
    // Connect as the superuser DATABASE_URL names, then switch role exactly as the app does.
    client = new Client({ connectionString: api.databaseUrl, options: '-c role=vigil_app' });
    await client.connect();
  });
  afterAll(async () => {
    await client.end();
    await api.stop();
  });

  async function asOrg<T>(orgId: string | null, work: () => Promise<T>): Promise<T> {
    await client.query('BEGIN');
    try {
      if (orgId) await client.query(`SELECT set_config('app.org_id', $1, true)`, [orgId]);
      return await work();
    } finally {
      await client.query('ROLLBACK');
    }
  }

  it('runs as a role that is neither superuser nor bypasses RLS', async () => {
    const { rows } = await client.query(`SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user`);
    expect(rows[0]).toEqual({ current_user: 'vigil_app', rolsuper: false, rolbypassrls: false });
  });

  it('returns only the current org rows from an unfiltered query on every tenant table', async () => {
    for (const table of TENANT_TABLES) {
      const orgColumn = table === 'organizations' ? 'id' : 'org_id';
      const rows = await asOrg(b.orgId, async () => (await client.query(`SELECT ${orgColumn} AS org FROM ${table}`)).rows);
      expect({ table, nonEmpty: rows.length > 0 }).toEqual({ table, nonEmpty: true });
      expect({ table, orgs: [...new Set(rows.map((r) => r.org))] }).toEqual({ table, orgs: [b.orgId] });
    }
  });

  it('returns nothing at all when no org is set', async () => {
    for (const table of TENANT_TABLES) {
      const { rows } = await asOrg(null, () => client.query(`SELECT count(*)::int AS n FROM ${table}`));
      expect({ table, n: rows[0].n }).toEqual({ table, n: 0 });
    }
  });

  it("refuses to write rows into another org, and cannot update or delete another org's rows", async () => {
    await expect(
      asOrg(b.orgId, () =>
        client.query(`INSERT INTO groups (id, org_id, parent_id, name, ancestor_ids) VALUES (gen_random_uuid(), $1, $2, 'x', ARRAY[$2::uuid])`, [a.orgId, a.rootGroupId]),
      ),
    ).rejects.toThrow(/row-level security/);
    const updated = await asOrg(b.orgId, async () => (await client.query(`UPDATE groups SET name = 'pwned' WHERE id = $1`, [a.rootGroupId])).rowCount);
    expect(updated).toBe(0);
    const deleted = await asOrg(b.orgId, async () => (await client.query(`DELETE FROM role_bindings`)).rowCount);
    expect(deleted).toBeGreaterThan(0); // its own rows only …
    const survivors = await asOrg(a.orgId, async () => (await client.query(`SELECT count(*)::int AS n FROM role_bindings`)).rows[0].n);
    expect(survivors).toBeGreaterThan(0); // … org A's are untouched (and the delete was rolled back anyway)
  });

  it('keeps the audit log append-only for the application', async () => {
    await expect(asOrg(a.orgId, () => client.query(`DELETE FROM audit_log`))).rejects.toThrow(/permission denied/);
    await expect(asOrg(a.orgId, () => client.query(`UPDATE audit_log SET action = 'x'`))).rejects.toThrow(/permission denied/);
  });
});
