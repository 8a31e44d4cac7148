import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

// Test-only: the shared data lives beside the repo (../shared/data from its root), never copied in.
const REPO_ROOT = resolve(__dirname, '../../../..');
export const SHARED_DATA = resolve(REPO_ROOT, '../shared/data');

export function sharedData(relative: string): Buffer {
  return readFileSync(resolve(SHARED_DATA, relative));
}
