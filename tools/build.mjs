// Compiles every TypeScript project into dist/ with swc; path aliases are
// rewritten to relative imports so the output runs with plain `node`.
import { execFileSync } from 'node:child_process';
import { rmSync, existsSync } from 'node:fs';

const roots = ['apps', 'libs', 'migrations', 'tools', 'bench'].filter((d) => existsSync(d));
rmSync('dist', { recursive: true, force: true });
execFileSync(
  'npx',
  ['swc', ...roots, '-d', 'dist', '--config-file', '.swcrc', '--ignore', '**/*.spec.ts,**/*.int-spec.ts', '--copy-files', '--quiet'],
  { stdio: 'inherit' },
);
