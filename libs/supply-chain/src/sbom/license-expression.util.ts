const OPERATORS = new Set(['AND', 'OR', 'WITH']);
const LICENSE_ID = /^(?:DocumentRef-[A-Za-z0-9.-]+:)?(?:LicenseRef-)?[A-Za-z0-9.-]+\+?$/;

/** Tokens of an SPDX license expression, or undefined when `text` is not shaped like one. */
function spdxTokens(text: string): string[] | undefined {
  const tokens = text.replace(/([()])/g, ' $1 ').trim().split(/\s+/);
  if (tokens[0] === '') return undefined;
  let depth = 0;
  let expectOperand = true;
  for (const token of tokens) {
    if (token === '(') {
      if (!expectOperand) return undefined;
      depth += 1;
    } else if (token === ')') {
      if (expectOperand || depth === 0) return undefined;
      depth -= 1;
    } else if (OPERATORS.has(token)) {
      if (expectOperand) return undefined;
      expectOperand = true;
    } else {
      if (!expectOperand || !LICENSE_ID.test(token)) return undefined;
      expectOperand = false;
    }
  }
  return depth === 0 && !expectOperand ? tokens : undefined;
}

/**
 * True when `text` is shaped like an SPDX license expression (ids joined by AND/OR/WITH, balanced
 * parentheses). Ids are not checked against the SPDX list; this keeps free text such as
 * `BSD License` or `MIT BSD GPL2+` (apk) out of fields that must hold an expression.
 */
export function isSpdxExpression(text: string): boolean {
  return spdxTokens(text) !== undefined;
}

/** Values that mean "no license information" in SPDX and in package metadata. */
export function isNoAssertion(text: string): boolean {
  return /^(NOASSERTION|NONE|UNKNOWN)$/i.test(text.trim());
}

/**
 * A package's `licenses` list means "all of these apply". SPDX carries one expression and
 * CycloneDX a list, so expressions are split at their top-level ANDs (outer parentheses and
 * spacing normalised) to give every format the same list. Free text is kept as written.
 */
export function normalizeLicenses(licenses: readonly string[] | undefined): string[] | undefined {
  const out: string[] = [];
  for (const license of licenses ?? []) {
    if (!license.trim() || isNoAssertion(license)) continue;
    const tokens = spdxTokens(license);
    for (const term of tokens ? conjuncts(tokens) : [license.trim()]) if (!out.includes(term)) out.push(term);
  }
  return out.length > 0 ? out : undefined;
}

function conjuncts(tokens: string[]): string[] {
  const terms: string[][] = [[]];
  let depth = 0;
  for (const token of tokens) {
    if (token === '(') depth += 1;
    if (token === ')') depth -= 1;
    if (token === 'AND' && depth === 0) terms.push([]);
    else terms[terms.length - 1].push(token);
  }
  return terms.map((term) => render(stripOuterParens(term)));
}

function stripOuterParens(tokens: string[]): string[] {
  while (tokens[0] === '(' && tokens[tokens.length - 1] === ')') {
    let depth = 0;
    // Only strip when the first '(' closes at the very end: `(A) OR (B)` keeps its parentheses.
    const closesAtEnd = tokens.every((t, i) => {
      if (t === '(') depth += 1;
      if (t === ')') depth -= 1;
      return depth > 0 || i === tokens.length - 1;
    });
    if (!closesAtEnd) break;
    tokens = tokens.slice(1, -1);
  }
  return tokens;
}

function render(tokens: string[]): string {
  return tokens.join(' ').replace(/\( /g, '(').replace(/ \)/g, ')');
}
