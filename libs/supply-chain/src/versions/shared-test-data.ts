// Test-only helper: reads the shared vectors in place (they are never copied into the repo).
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

const REPO_ROOT = path.resolve(__dirname, '../../../..');
export const SHARED_DATA_DIR = path.resolve(REPO_ROOT, '../shared/data');

export function readSharedText(relativePath: string): string {
  return readFileSync(path.join(SHARED_DATA_DIR, relativePath), 'utf8');
}

export function readSharedJson(relativePath: string): unknown {
  return JSON.parse(readSharedText(relativePath));
}

export interface TsvRow {
  /** 1-based line number, so a failing vector names its place in the file. */
  line: number;
  cells: string[];
}

/** Rows of a TSV file, skipping `#` comments and blank lines. Empty cells are kept. */
export function readSharedTsv(relativePath: string): TsvRow[] {
  return readSharedText(relativePath)
    .split('\n')
    .map((text, i) => ({ line: i + 1, text: text.replace(/\r$/, '') }))
    .filter(({ text }) => text !== '' && !text.startsWith('#'))
    .map(({ line, text }) => ({ line, cells: text.split('\t') }));
}
