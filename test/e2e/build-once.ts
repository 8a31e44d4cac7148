import { execFileSync } from 'node:child_process';
import path from 'node:path';

/** End-to-end tests run the built processes exactly as operators do. */
export default async function buildOnce(): Promise<void> {
  execFileSync(process.execPath, ['tools/build.mjs'], { cwd: path.resolve(__dirname, '../..'), stdio: 'inherit' });
}
