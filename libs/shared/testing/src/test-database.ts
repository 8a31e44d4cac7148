import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../../database/src/data-source-options';
import { allMigrations } from '../../../../migrations';

/** The server the integration tests use; `.ci/run` makes sure it answers. */
export const TEST_POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/**
 * Each jest run migrates its own template (named by global setup), so runs on
 * one machine (developers, helpers, CI) never drop each other's template.
 */
function templateName(): string {
  return process.env.VIGIL_TEST_TEMPLATE ?? 'vigil_test_template';
}

export function databaseUrl(name: string): string {
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withAdminClient<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Creates the template database once per jest run and applies every migration to it. */
export async function prepareTemplateDatabase(): Promise<void> {
  const template = `vigil_tpl_${process.pid}_${Date.now().toString(36)}`;
  process.env.VIGIL_TEST_TEMPLATE = template; // inherited by the test workers jest starts next
  await withAdminClient(async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${template}`);
  });
  const dataSource = new DataSource(
    buildDataSourceOptions({ url: databaseUrl(template), migrations: allMigrations, asAppRole: false }),
  );
  await dataSource.initialize();
  try {
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await dataSource.destroy();
  }
}

/** A fresh, migrated database for one test file (cloned from the template: milliseconds). */
export async function createTestDatabase(): Promise<{ name: string; url: string; drop: () => Promise<void> }> {
  const name = `vigil_t_${randomBytes(6).toString('hex')}`;
  await withAdminClient(async (client) => {
    for (let attempt = 0; ; attempt++) {
      try {
        await client.query(`CREATE DATABASE ${name} TEMPLATE ${templateName()}`);
        return;
      } catch (error) {
        // Two files cloning at the same instant: Postgres refuses the second while the first copies.
        if (attempt < 20 && /being accessed by other users/.test(String(error))) {
          await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
          continue;
        }
        throw error;
      }
    }
  });
  return {
    name,
    url: databaseUrl(name),
    drop: () => withAdminClient((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

/** An empty database (no migrations): for tests that run the real `migrate` command. */
export async function createEmptyDatabase(): Promise<{ name: string; url: string; drop: () => Promise<void> }> {
  const name = `vigil_e_${randomBytes(6).toString('hex')}`;
  await withAdminClient((client) => client.query(`CREATE DATABASE ${name}`));
  return {
    name,
    url: databaseUrl(name),
    drop: () => withAdminClient((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

export async function dropTemplateDatabase(): Promise<void> {
  const template = process.env.VIGIL_TEST_TEMPLATE;
  if (!template) return;
  await withAdminClient((client) => client.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`));
}
