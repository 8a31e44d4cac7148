import { compareBytes, compareDigits, Ordering } from './version-comparator';

// Ordering for versions apk v3 rejects. Alpine's own feeds contain them
// (openssh `5.7.1p1-r1`: a letter followed by digits) and apk v3 calls most
// such pairs "equal" at the first bad token, which would hide fixes. This
// structural reading (numbers, letter, suffixes, ~hash, -rN, leftover) is the
// one osv-scanner uses for the same data, so Vigil and osv-scanner agree.

const SUFFIX_WEIGHT: Record<string, number> = {
  alpha: 1,
  beta: 2,
  pre: 3,
  rc: 4,
  cvs: 6,
  svn: 7,
  git: 8,
  hg: 9,
  p: 10,
};
const NO_SUFFIX = { weight: 5, num: '0' };

interface LenientApk {
  original: string;
  /** Leftover that no part of the grammar explains (and not even `-r#` follows). */
  invalid: boolean;
  numbers: string[];
  letter: string;
  suffixes: { weight: number; num: string }[];
  build: string;
  remainder: string;
}

function parseLenient(original: string): LenientApk {
  let rest = original;
  const numbersPart = /^(\d+\.?)*/.exec(rest)?.[0] ?? '';
  const numbers = numbersPart.split('.').filter((n) => n !== '');
  rest = rest.slice(numbersPart.length);

  const letter = /^[a-z]/.test(rest) ? rest[0] : '';
  rest = rest.slice(letter.length);

  const suffixes: LenientApk['suffixes'] = [];
  for (const m of rest.matchAll(/_(alpha|beta|pre|rc|cvs|svn|git|hg|p)(\d*)/g)) {
    suffixes.push({ weight: SUFFIX_WEIGHT[m[1]], num: m[2] || '0' });
    if (rest.startsWith(m[0])) rest = rest.slice(m[0].length);
  }

  rest = rest.replace(/^~[0-9a-f]+/, ''); // a commit hash carries no order

  let build = '0';
  let invalid = false;
  if (rest !== '') {
    const m = /^-r(\d*)/.exec(rest);
    if (m) {
      build = m[1] || '0';
      rest = rest.slice(m[0].length);
    } else {
      invalid = true;
    }
  }
  return { original, invalid, numbers, letter, suffixes, build, remainder: rest };
}

function compareNumberAt(a: LenientApk, b: LenientApk, i: number): Ordering {
  const x = a.numbers[i] ?? '0';
  const y = b.numbers[i] ?? '0';
  // Past the first component, a leading zero means string order (as apk does).
  if (i > 0 && (x[0] === '0' || y[0] === '0')) return compareBytes(x, y);
  return compareDigits(x, y);
}

export function compareApkLenient(left: string, right: string): Ordering {
  const a = parseLenient(left);
  const b = parseLenient(right);
  if (a.invalid && b.invalid) return compareBytes(a.original, b.original);

  for (let i = 0; i < Math.max(a.numbers.length, b.numbers.length); i++) {
    const r = compareNumberAt(a, b, i);
    if (r !== 0) return r;
  }
  if (a.letter !== b.letter) {
    if (a.letter === '') return -1;
    if (b.letter === '') return 1;
    return compareBytes(a.letter, b.letter);
  }
  for (let i = 0; i < Math.max(a.suffixes.length, b.suffixes.length); i++) {
    const x = a.suffixes[i] ?? NO_SUFFIX;
    const y = b.suffixes[i] ?? NO_SUFFIX;
    if (x.weight !== y.weight) return x.weight < y.weight ? -1 : 1;
    const r = compareDigits(x.num, y.num);
    if (r !== 0) return r;
  }
  const r = compareDigits(a.build, b.build);
  if (r !== 0) return r;
  // Unexplained leftovers make a version older than the same version without them.
  if (a.remainder === '' && b.remainder !== '') return 1;
  if (a.remainder !== '' && b.remainder === '') return -1;
  return 0;
}
