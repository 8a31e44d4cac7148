import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, stringify as toYamlText } from 'yaml';

// A renderer for the subset of Helm's Go templates our charts use (no helm
// binary on these machines): actions with {{- -}} trimming, if/else if/else,
// range, define/include, $variables, pipelines, parentheses, and the Sprig
// functions listed in FUNCS. Anything else throws, so a chart cannot silently
// use a construct this renderer would get wrong.

type Node =
  | { t: 'text'; v: string }
  | { t: 'out'; expr: string }
  | { t: 'if'; branches: Array<{ cond: string | null; body: Node[] }> }
  | { t: 'range'; expr: string; body: Node[] }
  | { t: 'define'; name: string; body: Node[] }
  | { t: 'assign'; name: string; expr: string };

interface Scope {
  dot: unknown;
  vars: Map<string, unknown>;
}

function tokenize(src: string): Array<{ text?: string; action?: string }> {
  const out: Array<{ text?: string; action?: string }> = [];
  const re = /\{\{(-?)\s*([\s\S]*?)\s*(-?)\}\}/g;
  let last = 0;
  let trimNext = false;
  for (let m = re.exec(src); m; m = re.exec(src)) {
    let text = src.slice(last, m.index);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (m[1] === '-') text = text.replace(/\s+$/, '');
    out.push({ text });
    const action = m[2]!;
    if (!action.startsWith('/*')) out.push({ action });
    trimNext = m[3] === '-';
    last = re.lastIndex;
  }
  let tail = src.slice(last);
  if (trimNext) tail = tail.replace(/^\s+/, '');
  out.push({ text: tail });
  return out;
}

function parse(tokens: Array<{ text?: string; action?: string }>, pos = { i: 0 }, stopAt: string[] = []): { nodes: Node[]; stop?: string } {
  const nodes: Node[] = [];
  while (pos.i < tokens.length) {
    const tok = tokens[pos.i++]!;
    if (tok.text !== undefined) {
      if (tok.text) nodes.push({ t: 'text', v: tok.text });
      continue;
    }
    const a = tok.action!;
    const word = a.split(/\s+/, 1)[0]!;
    if (stopAt.includes(word)) return { nodes, stop: a };
    if (word === 'if') {
      const branches: Array<{ cond: string | null; body: Node[] }> = [];
      let cond: string | null = a.slice(2).trim();
      for (;;) {
        const r = parse(tokens, pos, ['else', 'end']);
        branches.push({ cond, body: r.nodes });
        if (!r.stop || r.stop === 'end') break;
        cond = r.stop.startsWith('else if') ? r.stop.slice(7).trim() : null;
      }
      nodes.push({ t: 'if', branches });
    } else if (word === 'range') {
      nodes.push({ t: 'range', expr: a.slice(5).trim(), body: parse(tokens, pos, ['end']).nodes });
    } else if (word === 'define') {
      nodes.push({ t: 'define', name: JSON.parse(a.slice(6).trim()), body: parse(tokens, pos, ['end']).nodes });
    } else if (/^\$\w+\s*:?=/.test(a)) {
      const [, name, expr] = /^(\$\w+)\s*:?=\s*([\s\S]+)$/.exec(a)!;
      nodes.push({ t: 'assign', name: name!, expr: expr! });
    } else {
      nodes.push({ t: 'out', expr: a });
    }
  }
  return { nodes };
}

const truthy = (v: unknown) => !(v === undefined || v === null || v === false || v === 0 || v === '' || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0));

function openssl(args: string[], dir: string): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

/** Sprig's genCA / genSignedCert, through the openssl CLI. */
function genCA(cn: string, days: number) {
  const dir = mkdtempSync(join(tmpdir(), 'helm-ca-'));
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', String(days), '-subj', `/CN=${cn}`, '-keyout', 'ca.key', '-out', 'ca.crt', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,digitalSignature'], dir);
  const result = { Cert: readFileSync(join(dir, 'ca.crt'), 'utf8'), Key: readFileSync(join(dir, 'ca.key'), 'utf8'), dir };
  return result;
}

function genSignedCert(cn: string, ips: unknown, dns: unknown, days: number, ca: { Cert: string; Key: string; dir: string }) {
  const dir = ca.dir;
  const alt = [...((dns as string[]) ?? []).map((d) => `DNS:${d}`), ...((ips as string[]) ?? []).map((i) => `IP:${i}`)].join(',');
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${cn}`, '-keyout', 'tls.key', '-out', 'tls.csr'], dir);
  execFileSync('bash', ['-c', `printf 'subjectAltName=${alt}\\nextendedKeyUsage=serverAuth\\n' > ext.cnf`], { cwd: dir });
  openssl(['x509', '-req', '-in', 'tls.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', String(days), '-extfile', 'ext.cnf', '-out', 'tls.crt'], dir);
  return { Cert: readFileSync(join(dir, 'tls.crt'), 'utf8'), Key: readFileSync(join(dir, 'tls.key'), 'utf8') };
}

export class HelmSubsetRenderer {
  private readonly defines = new Map<string, Node[]>();
  private readonly tempDirs: string[] = [];

  constructor(private readonly root: Record<string, unknown>) {}

  private readonly FUNCS: Record<string, (...args: any[]) => unknown> = {
    include: (name: string, dot: unknown) => this.exec(this.defines.get(name) ?? this.fail(`no template "${name}"`), { dot, vars: new Map([['$', this.root]]) }),
    quote: (v: unknown) => JSON.stringify(v === undefined || v === null ? '' : String(v)),
    toYaml: (v: unknown) => (v === undefined || v === null ? '' : toYamlText(v).replace(/\n$/, '')),
    toJson: (v: unknown) => JSON.stringify(v),
    nindent: (n: number, s: string) => `\n${String(s).split('\n').map((l) => ' '.repeat(n) + l).join('\n')}`,
    indent: (n: number, s: string) => String(s).split('\n').map((l) => ' '.repeat(n) + l).join('\n'),
    b64enc: (s: string) => Buffer.from(String(s)).toString('base64'),
    default: (d: unknown, v: unknown) => (truthy(v) ? v : d),
    required: (msg: string, v: unknown) => (truthy(v) ? v : this.fail(msg)),
    eq: (a: unknown, b: unknown) => a === b,
    ne: (a: unknown, b: unknown) => a !== b,
    gt: (a: number, b: number) => a > b,
    int: (v: unknown) => Math.trunc(Number(v)),
    fail: (msg: string) => this.fail(msg),
    not: (v: unknown) => !truthy(v),
    and: (...xs: unknown[]) => xs.every(truthy),
    or: (...xs: unknown[]) => xs.find(truthy) ?? xs[xs.length - 1],
    list: (...xs: unknown[]) => xs,
    printf: (f: string, ...xs: unknown[]) => f.replace(/%[sdv]/g, () => String(xs.shift())),
    trunc: (n: number, s: string) => String(s).slice(0, n),
    trimSuffix: (suf: string, s: string) => (String(s).endsWith(suf) ? String(s).slice(0, -suf.length) : String(s)),
    genCA: (cn: string, days: number) => {
      const ca = genCA(cn, days);
      this.tempDirs.push(ca.dir);
      return ca;
    },
    genSignedCert,
  };

  private fail(message: string): never {
    throw new Error(`helm-subset-renderer: ${message}`);
  }

  /** Renders every template of the chart directory; returns file name → text. */
  renderChart(chartDir: string): Record<string, string> {
    const dir = join(chartDir, 'templates');
    const files = readdirSync(dir).sort();
    for (const f of files.filter((f) => f.endsWith('.tpl'))) this.exec(parse(tokenize(readFileSync(join(dir, f), 'utf8'))).nodes, this.scope());
    const out: Record<string, string> = {};
    for (const f of files.filter((f) => f.endsWith('.yaml'))) out[f] = this.exec(parse(tokenize(readFileSync(join(dir, f), 'utf8'))).nodes, this.scope());
    for (const d of this.tempDirs) rmSync(d, { recursive: true, force: true });
    return out;
  }

  private scope(): Scope {
    return { dot: this.root, vars: new Map([['$', this.root]]) };
  }

  private exec(nodes: Node[], scope: Scope): string {
    let out = '';
    for (const n of nodes) {
      if (n.t === 'text') out += n.v;
      else if (n.t === 'define') this.defines.set(n.name, n.body);
      else if (n.t === 'assign') scope.vars.set(n.name, this.evalPipeline(n.expr, scope));
      else if (n.t === 'out') {
        const v = this.evalPipeline(n.expr, scope);
        out += v === undefined || v === null ? '' : typeof v === 'object' ? this.fail(`cannot print an object: ${n.expr}`) : String(v);
      } else if (n.t === 'if') {
        const branch = n.branches.find((b) => b.cond === null || truthy(this.evalPipeline(b.cond, scope)));
        if (branch) out += this.exec(branch.body, scope);
      } else if (n.t === 'range') {
        const items = this.evalPipeline(n.expr, scope);
        for (const item of Array.isArray(items) ? items : []) out += this.exec(n.body, { dot: item, vars: scope.vars });
      }
    }
    return out;
  }

  private evalPipeline(expr: string, scope: Scope): unknown {
    const stages = splitTop(expr, '|');
    let value: unknown;
    stages.forEach((stage, i) => {
      const args = splitTop(stage.trim(), ' ').filter(Boolean);
      value = this.evalCommand(args, scope, i === 0 ? [] : [value]);
    });
    return value;
  }

  private evalCommand(args: string[], scope: Scope, piped: unknown[]): unknown {
    const [head, ...rest] = args;
    if (head === undefined) return this.fail('empty command');
    const fn = this.FUNCS[head];
    if (fn) return fn(...rest.map((a) => this.evalArg(a, scope)), ...piped);
    if (rest.length || piped.length) this.fail(`unknown function "${head}"`);
    return this.evalArg(head, scope);
  }

  private evalArg(a: string, scope: Scope): unknown {
    if (a.startsWith('(')) return this.evalPipeline(a.slice(1, -1), scope);
    if (a.startsWith('"')) return JSON.parse(a);
    if (/^-?\d+$/.test(a)) return Number(a);
    if (a === 'true' || a === 'false') return a === 'true';
    if (a === 'nil') return null;
    if (a === '.') return scope.dot;
    const path = (base: unknown, keys: string[]) => keys.reduce<unknown>((o, k) => (o === undefined || o === null ? undefined : (o as Record<string, unknown>)[k]), base);
    if (a.startsWith('$')) {
      const [name, ...keys] = a.split('.');
      if (!scope.vars.has(name!)) this.fail(`undefined variable ${name}`);
      return path(scope.vars.get(name!), keys);
    }
    if (a.startsWith('.')) return path(scope.dot, a.slice(1).split('.'));
    return this.fail(`cannot evaluate "${a}"`);
  }
}

/** Splits on `sep` outside quotes and parentheses. */
function splitTop(s: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '"' && s[i - 1] !== '\\') quoted = !quoted;
    if (!quoted && c === '(') depth++;
    if (!quoted && c === ')') depth--;
    if (!quoted && depth === 0 && c === sep) {
      parts.push(cur);
      cur = '';
      continue;
    }
    cur += c;
  }
  parts.push(cur);
  return parts.map((p) => p.trim()).filter((p) => p !== '' || sep !== ' ');
}

/** Renders a chart with values (defaults deep-merged with overrides), as `helm template` would, and parses each document. */
export function renderChart(chartDir: string, overrides: Record<string, unknown> = {}, release = { Name: 'vigil-agent', Namespace: 'vigil-system' }) {
  const defaults = parseYaml(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) as Record<string, unknown>;
  const chart = parseYaml(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as Record<string, unknown>;
  const values = deepMerge(defaults, overrides);
  const root = { Values: values, Release: { ...release, Service: 'Helm' }, Chart: { Name: chart.name, Version: chart.version, AppVersion: chart.appVersion } };
  const files = new HelmSubsetRenderer(root).renderChart(chartDir);
  const docs = Object.values(files)
    .flatMap((text) => text.split(/^---\s*$/m))
    .map((t) => parseYaml(t) as Record<string, any> | null)
    .filter((d): d is Record<string, any> => !!d);
  return { values, files, docs };
}

export function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && cur && typeof cur === 'object' && !Array.isArray(cur) ? deepMerge(cur as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return out;
}
