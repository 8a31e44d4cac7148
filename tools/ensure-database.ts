import { Client } from 'pg';

/** Creates the database DATABASE_URL names when it does not exist yet (local start only). */
async function main(): Promise<void> {
  const target = new URL(process.env.DATABASE_URL ?? '');
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`DATABASE_URL: database name "${name}" is not a plain identifier`);
  const server = new URL(target.toString());
  server.pathname = '/postgres';
  const client = new Client({ connectionString: server.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) {
      await client.query(`CREATE DATABASE ${name}`);
      process.stdout.write(`created database ${name}\n`);
    }
  } finally {
    await client.end();
  }
}

main().catch((error) => {
  process.stderr.write(`cannot prepare the database: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
