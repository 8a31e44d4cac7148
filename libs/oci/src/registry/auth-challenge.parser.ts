export interface AuthChallenge {
  /** Lower-case scheme: `bearer`, `basic`, … */
  readonly scheme: string;
  readonly params: Readonly<Record<string, string>>;
}

// One `key=value` or `key="quoted \" value"` pair.
const PARAM = /\s*([A-Za-z0-9_.-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?/y;

/**
 * Parses `WWW-Authenticate` (RFC 7235). Registries send one challenge, but a
 * header may hold several (`Basic realm="x", Bearer realm="y"`), and scopes
 * contain commas (`repository:a/b:pull,push`), so values are read quoted-aware.
 */
export function parseAuthChallenges(header: string | string[] | undefined): AuthChallenge[] {
  const values = header === undefined ? [] : Array.isArray(header) ? header : [header];
  const challenges: AuthChallenge[] = [];
  for (const value of values) {
    let rest = value.trim();
    while (rest.length > 0) {
      const scheme = /^([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)\s*/.exec(rest);
      if (!scheme) break;
      rest = rest.slice(scheme[0].length);
      const params: Record<string, string> = {};
      PARAM.lastIndex = 0;
      let consumed = 0;
      for (;;) {
        PARAM.lastIndex = consumed;
        const match = PARAM.exec(rest);
        if (!match || match[0].length === 0) break;
        params[(match[1] ?? '').toLowerCase()] = match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : (match[3] ?? '');
        consumed = PARAM.lastIndex;
      }
      challenges.push({ scheme: (scheme[1] ?? '').toLowerCase(), params });
      rest = rest.slice(consumed).replace(/^[\s,]+/, '');
    }
  }
  return challenges;
}
