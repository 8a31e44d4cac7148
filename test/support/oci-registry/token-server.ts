import { execFile } from 'node:child_process';
import { randomUUID, sign, createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

export interface RunningTokenServer {
  readonly realm: string;
  readonly service: string;
  readonly issuer: string;
  readonly rootCertBundle: string;
  /** Token requests answered so far (200 or not), scopes joined by a space: lets tests see token caching. */
  readonly requests: { scope: string | null; user: string | null; status: number }[];
  stop(): Promise<void>;
}

/**
 * A Docker token service (the "auth server" of distribution's token auth),
 * test-only: users with passwords get what they ask for, anonymous callers get
 * a token with no access. Tokens are ES256 JWTs whose `x5c` header carries a
 * self-signed certificate the real registry trusts via `rootcertbundle`.
 */
export async function startTokenServer(users: Readonly<Record<string, string>>): Promise<RunningTokenServer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-token-'));
  const keyPath = path.join(dir, 'key.pem');
  const certPath = path.join(dir, 'cert.pem');
  await promisify(execFile)('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', keyPath, '-out', certPath, '-days', '2', '-subj', '/CN=vigil-test-token-issuer',
  ]);
  const key = createPrivateKey(await readFile(keyPath));
  const certDer = new X509Certificate(await readFile(certPath)).raw.toString('base64');
  const service = 'vigil-test-registry';
  const issuer = 'vigil-test-issuer';
  const requests: RunningTokenServer['requests'] = [];

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://token');
    const scopes = url.searchParams.getAll('scope');
    const scope = scopes.length > 0 ? scopes.join(' ') : null;
    const user = authenticate(req, users);
    if (user === false) {
      requests.push({ scope, user: null, status: 401 });
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"bad credentials"}');
      return;
    }
    const access = user ? scopes.map(parseScope) : [];
    const now = Math.floor(Date.now() / 1000);
    const token = jwt(
      { typ: 'JWT', alg: 'ES256', x5c: [certDer] },
      { iss: issuer, sub: user ?? '', aud: service, exp: now + 300, nbf: now - 10, iat: now, jti: randomUUID(), access },
      key,
    );
    requests.push({ scope, user, status: 200 });
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token, expires_in: 300, issued_at: new Date().toISOString() }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    rootCertBundle: certPath,
    requests,
    stop: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** null: anonymous; false: wrong credentials; else the user name. */
function authenticate(req: IncomingMessage, users: Readonly<Record<string, string>>): string | null | false {
  const header = req.headers.authorization;
  if (!header) return null;
  const [scheme, encoded] = header.split(' ');
  if (scheme?.toLowerCase() !== 'basic' || !encoded) return false;
  const decoded = Buffer.from(encoded, 'base64').toString();
  const colon = decoded.indexOf(':');
  const user = decoded.slice(0, colon);
  return colon > 0 && users[user] === decoded.slice(colon + 1) ? user : false;
}

function parseScope(scope: string): { type: string; name: string; actions: string[] } {
  const [type = '', ...rest] = scope.split(':');
  const actions = rest.pop() ?? '';
  return { type, name: rest.join(':'), actions: actions.split(',').filter(Boolean) };
}

function jwt(header: object, claims: object, key: ReturnType<typeof createPrivateKey>): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode(header)}.${encode(claims)}`;
  // JWS ES256 wants r||s, not DER.
  const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url');
  return `${input}.${signature}`;
}
