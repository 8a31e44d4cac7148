import { compareApkLenient } from './apk-version-lenient';
import { compareBytes, compareDigits, Ordering, VersionComparator } from './version-comparator';

// apk-tools v3 (src/version.c) grammar: digit{.digit}...{letter}{_suf{#}}...{~hash}{-r#}
// Token kinds are ordered: the comparison of two versions of different shape
// falls back on that order, exactly as apk does.
const enum Tok {
  InitialDigit,
  Digit,
  Letter,
  Suffix,
  SuffixNo,
  CommitHash,
  RevisionNo,
  End,
  Invalid,
}

// Pre-release suffixes sort below "no suffix" (5), post-release ones above.
const SUFFIXES: Record<string, number> = {
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
const SUFFIX_NONE = 5;

interface Token {
  kind: Tok;
  value: string;
  suffix: number;
}

class ApkTokenizer {
  private pos = 0;
  readonly token: Token = { kind: Tok.InitialDigit, value: '', suffix: 0 };

  constructor(private readonly s: string) {
    this.digits(Tok.InitialDigit);
  }

  next(): void {
    const t = this.token;
    const s = this.s;
    if (this.pos >= s.length) {
      t.kind = Tok.End;
      return;
    }
    const c = s[this.pos];
    if (c >= 'a' && c <= 'z') {
      if (t.kind > Tok.Digit) return this.invalid();
      t.kind = Tok.Letter;
      t.value = c;
      this.pos++;
    } else if (c === '.' || (c >= '0' && c <= '9')) {
      if (c === '.') {
        if (t.kind > Tok.Digit) return this.invalid();
        this.pos++;
      }
      if (t.kind === Tok.InitialDigit || t.kind === Tok.Digit) this.digits(Tok.Digit);
      else if (t.kind === Tok.Suffix) this.digits(Tok.SuffixNo);
      else this.invalid();
    } else if (c === '_') {
      if (t.kind > Tok.SuffixNo) return this.invalid();
      this.pos++;
      const word = this.span(/[a-z]/);
      const suffix = SUFFIXES[word];
      if (suffix === undefined) return this.invalid();
      t.kind = Tok.Suffix;
      t.value = word;
      t.suffix = suffix;
    } else if (c === '~') {
      if (t.kind >= Tok.CommitHash) return this.invalid();
      this.pos++;
      t.value = this.span(/[0-9a-fA-F]/);
      t.kind = t.value === '' ? Tok.Invalid : Tok.CommitHash;
    } else if (c === '-') {
      if (t.kind >= Tok.RevisionNo || s[this.pos + 1] !== 'r') return this.invalid();
      this.pos += 2;
      this.digits(Tok.RevisionNo);
    } else {
      this.invalid();
    }
  }

  private digits(kind: Tok): void {
    const value = this.span(/[0-9]/);
    this.token.kind = value === '' ? Tok.Invalid : kind;
    this.token.value = value;
  }

  private span(re: RegExp): string {
    const start = this.pos;
    while (this.pos < this.s.length && re.test(this.s[this.pos])) this.pos++;
    return this.s.slice(start, this.pos);
  }

  private invalid(): void {
    this.token.kind = Tok.Invalid;
  }
}

function compareTokens(a: Token, b: Token): Ordering {
  switch (a.kind) {
    case Tok.Digit:
      // A component with a leading zero sorts as a string (Gentoo rule, apk v3).
      if (a.value[0] === '0' || b.value[0] === '0') return compareBytes(a.value, b.value);
      return compareDigits(a.value, b.value);
    case Tok.InitialDigit:
    case Tok.SuffixNo:
    case Tok.RevisionNo:
      return compareDigits(a.value, b.value);
    case Tok.Letter:
      return compareBytes(a.value, b.value);
    case Tok.Suffix:
      return a.suffix < b.suffix ? -1 : a.suffix > b.suffix ? 1 : 0;
    default:
      return compareBytes(a.value, b.value);
  }
}

/** apk-tools v3 `apk_version_compare_fuzzy`; `fuzzy` implements the `~` operator. */
function apkCompareV3(a: string, b: string, fuzzy: boolean): Ordering {
  const ta = new ApkTokenizer(a);
  const tb = new ApkTokenizer(b);
  while (ta.token.kind === tb.token.kind && ta.token.kind < Tok.End) {
    const r = compareTokens(ta.token, tb.token);
    if (r !== 0) return r;
    ta.next();
    tb.next();
  }
  const ka = ta.token;
  const kb = tb.token;
  if (ka.kind === kb.kind) return 0;
  if (fuzzy && kb.kind === Tok.End) return 0;
  // The longer version is newer unless what it has extra is a pre-release suffix.
  if (ka.kind === Tok.Suffix && ka.suffix < SUFFIX_NONE) return -1;
  if (kb.kind === Tok.Suffix && kb.suffix < SUFFIX_NONE) return 1;
  if (ka.kind > kb.kind) return -1;
  if (kb.kind > ka.kind) return 1;
  return 0;
}

export function isValidApkVersion(v: string): boolean {
  const t = new ApkTokenizer(v);
  while (t.token.kind < Tok.End) t.next();
  return t.token.kind === Tok.End;
}

/**
 * apk-tools v3 order for valid versions; versions apk rejects are ordered
 * structurally (see apk-version-lenient.ts) instead of being called equal.
 */
export function compareApkVersions(a: string, b: string): Ordering {
  if (a === b) return 0;
  if (isValidApkVersion(a) && isValidApkVersion(b)) return apkCompareV3(a, b, false);
  return compareApkLenient(a, b);
}

/** apk's fuzzy match (`pkg~3.6`): true when `version` equals or extends `prefix`. */
export function apkFuzzyMatch(version: string, prefix: string): boolean {
  return apkCompareV3(version, prefix, true) === 0;
}

export const apkComparator: VersionComparator = {
  scheme: 'apk',
  compare: compareApkVersions,
  isValid: isValidApkVersion,
};
