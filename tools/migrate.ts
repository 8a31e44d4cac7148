import 'reflect-metadata';
import { z } from 'zod';
import { DataSource } from 'typeorm';
import { loadConfigOrExit, parseEnv } from '../libs/shared/config/src';
import { buildDataSourceOptions } from '../libs/shared/database/src/data-source-options';
import { allMigrations } from '../migrations';

/** `npm run migrate`: applies pending migrations as the schema owner, one at a time, under a lock. */
async function main(): Promise<void> {
  const env = loadConfigOrExit(() =>
    parseEnv(z.object({ DATABASE_URL: z.string({ message: 'is required' }).regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL') }), process.env),
  );
  const dataSource = new DataSource(
    buildDataSourceOptions({ url: env.DATABASE_URL, migrations: allMigrations, asAppRole: false, poolSize: 2, applicationName: 'vigil-migrate' }),
  );
  await dataSource.initialize();
  try {
    // Several replicas may start at once (Helm hook, docker compose): one migrates, the others wait.
    await dataSource.query('SELECT pg_advisory_lock(7469676) ');
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    for (const m of applied) process.stdout.write(`applied ${m.name}\n`);
    process.stdout.write(applied.length ? `migrations: ${applied.length} applied\n` : 'migrations: up to date\n');
  } finally {
    await dataSource.query('SELECT pg_advisory_unlock(7469676)').catch(() => undefined);
    await dataSource.destroy();
  }
}

main().catch((error) => {
  process.stderr.write(`migration failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
