import { unifiedDiff } from './unified-diff';

const labels = { fromLabel: 'a', toLabel: 'b' };
const lines = (n: number, edit: (i: number) => string = (i) => `line ${i}`) => Array.from({ length: n }, (_, i) => edit(i + 1)).join('\n') + '\n';

describe('unifiedDiff', () => {
  it('is empty for identical texts (also across CRLF/LF)', () => {
    expect(unifiedDiff('a\nb\n', 'a\nb\n', labels)).toBe('');
    expect(unifiedDiff('a\r\nb\r\n', 'a\nb\n', labels)).toBe('');
  });

  it('prints one hunk with three lines of context, like diff -u', () => {
    const before = lines(10);
    const after = lines(10, (i) => (i === 5 ? 'changed 5' : `line ${i}`));
    expect(unifiedDiff(before, after, labels)).toBe(
      ['--- a', '+++ b', '@@ -2,7 +2,7 @@', ' line 2', ' line 3', ' line 4', '-line 5', '+changed 5', ' line 6', ' line 7', ' line 8', ''].join('\n'),
    );
  });

  it('splits distant changes into separate hunks and merges close ones', () => {
    const after = lines(30, (i) => (i === 2 || i === 4 || i === 28 ? `x${i}` : `line ${i}`));
    const hunks = unifiedDiff(lines(30), after, labels).split('\n').filter((l) => l.startsWith('@@'));
    expect(hunks).toEqual(['@@ -1,7 +1,7 @@', '@@ -25,6 +25,6 @@']);
  });

  it('numbers pure insertions and deletions, including into an empty text', () => {
    expect(unifiedDiff('', 'a\nb\n', labels)).toBe('--- a\n+++ b\n@@ -0,0 +1,2 @@\n+a\n+b\n');
    expect(unifiedDiff('a\nb\nc\n', 'a\nc\n', labels)).toBe('--- a\n+++ b\n@@ -1,3 +1,2 @@\n a\n-b\n c\n');
  });

  it('keeps common lines between edits as context (an LCS, not a wholesale replace)', () => {
    const out = unifiedDiff('k\na\nb\nc\n', 'a\nx\nc\nk\n', labels);
    expect(out.split('\n').slice(3, -1)).toEqual(['-k', ' a', '-b', '+x', ' c', '+k']);
  });
});
