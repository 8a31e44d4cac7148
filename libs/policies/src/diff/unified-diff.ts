/**
 * A unified text diff (as `diff -u` prints it) between two documents, by
 * lines. Pure; no dependency. The edit script is a longest common
 * subsequence over the lines between the common prefix and suffix; when that
 * middle is too large for the table (documents are capped at 256 KiB, but a
 * rewrite of thousands of lines is possible) the middle is shown as replaced
 * wholesale — still a correct diff, only not a minimal one.
 */

type Op = { readonly kind: ' ' | '-' | '+'; readonly text: string };

const MAX_TABLE_CELLS = 4_000_000;

export interface UnifiedDiffOptions {
  readonly fromLabel: string;
  readonly toLabel: string;
  /** Unchanged lines shown around each change (default 3, as diff -u). */
  readonly context?: number;
}

export function unifiedDiff(from: string, to: string, options: UnifiedDiffOptions): string {
  const a = splitLines(from);
  const b = splitLines(to);
  const ops = editScript(a, b);
  if (!ops.some((op) => op.kind !== ' ')) return '';
  const hunks = toHunks(ops, options.context ?? 3);
  return [`--- ${options.fromLabel}`, `+++ ${options.toLabel}`, ...hunks].join('\n') + '\n';
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function editScript(a: readonly string[], b: readonly string[]): Op[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const same = (lines: readonly string[]) => lines.map((text): Op => ({ kind: ' ', text }));
  return [...same(a.slice(0, start)), ...middle(a.slice(start, endA), b.slice(start, endB)), ...same(a.slice(endA))];
}

function middle(a: readonly string[], b: readonly string[]): Op[] {
  const n = a.length;
  const m = b.length;
  if ((n + 1) * (m + 1) > MAX_TABLE_CELLS) {
    return [...a.map((text): Op => ({ kind: '-', text })), ...b.map((text): Op => ({ kind: '+', text }))];
  }
  // lcs[i][j] = LCS length of a[i..] and b[j..], row-major in one typed array.
  const width = m + 1;
  const lcs = new Uint32Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * width + j] = a[i] === b[j] ? lcs[(i + 1) * width + j + 1] + 1 : Math.max(lcs[(i + 1) * width + j], lcs[i * width + j + 1]);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      ops.push({ kind: ' ', text: a[i++] });
      j++;
    } else if (lcs[(i + 1) * width + j] >= lcs[i * width + j + 1]) {
      ops.push({ kind: '-', text: a[i++] });
    } else {
      ops.push({ kind: '+', text: b[j++] });
    }
  }
  while (i < n) ops.push({ kind: '-', text: a[i++] });
  while (j < m) ops.push({ kind: '+', text: b[j++] });
  return ops;
}

function toHunks(ops: readonly Op[], context: number): string[] {
  const out: string[] = [];
  const changed = ops.map((op, index) => (op.kind === ' ' ? -1 : index)).filter((index) => index >= 0);
  // Group changes whose context windows touch into one hunk.
  let groupStart = 0;
  while (groupStart < changed.length) {
    let groupEnd = groupStart;
    while (groupEnd + 1 < changed.length && changed[groupEnd + 1] - changed[groupEnd] <= 2 * context) groupEnd++;
    const first = Math.max(0, changed[groupStart] - context);
    const last = Math.min(ops.length - 1, changed[groupEnd] + context);
    out.push(...hunk(ops, first, last));
    groupStart = groupEnd + 1;
  }
  return out;
}

function hunk(ops: readonly Op[], first: number, last: number): string[] {
  // Line numbers (1-based) of the hunk's first line in each file.
  let oldLine = 1;
  let newLine = 1;
  for (let k = 0; k < first; k++) {
    if (ops[k].kind !== '+') oldLine++;
    if (ops[k].kind !== '-') newLine++;
  }
  let oldCount = 0;
  let newCount = 0;
  const body: string[] = [];
  for (let k = first; k <= last; k++) {
    const op = ops[k];
    if (op.kind !== '+') oldCount++;
    if (op.kind !== '-') newCount++;
    body.push(`${op.kind}${op.text}`);
  }
  // diff -u names the line before an empty range (0 for an empty file).
  const range = (start: number, count: number) => `${count === 0 ? start - 1 : start}${count === 1 ? '' : `,${count}`}`;
  return [`@@ -${range(oldLine, oldCount)} +${range(newLine, newCount)} @@`, ...body];
}
