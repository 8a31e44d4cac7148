import 'reflect-metadata';
import { loadConfigOrExit, loadPlatformConfig } from '@vigil/shared/config';
import { createApiApp } from './bootstrap';

async function main(): Promise<void> {
  const config = loadConfigOrExit(() => loadPlatformConfig());
  const app = await createApiApp(config);
  await app.listen(config.env.PORT, '0.0.0.0');
}

main().catch((error) => {
  process.stderr.write(`vigil-api failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
