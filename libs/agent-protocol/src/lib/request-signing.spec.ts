import { createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { InMemoryReplayGuard } from './replay-guard';
import {
  SIGNATURE_HEADERS,
  signRequest,
  verifyRequest,
  type CredentialRecord,
  type HeaderBag,
  type RequestBody,
  type VerifyRequestInput,
} from './request-signing';

const NOW = new Date('2026-03-01T12:00:00Z');
const SECRET_A1 = 'a1-secret-0123456789abcdefghijklmnopqrstuvwxyz';
const SECRET_A2 = 'a2-secret-0123456789abcdefghijklmnopqrstuvwxyz';
const SECRET_B1 = 'b1-secret-0123456789abcdefghijklmnopqrstuvwxyz';

/** Cluster A has two live keys (mid-rotation), cluster B one. */
const credentials = new Map<string, CredentialRecord>([
  ['ka1', { clusterId: 'cluster-a', secret: SECRET_A1 }],
  ['ka2', { clusterId: 'cluster-a', secret: SECRET_A2 }],
  ['kb1', { clusterId: 'cluster-b', secret: SECRET_B1 }],
]);
const lookupSecret = async (keyId: string): Promise<CredentialRecord | undefined> => credentials.get(keyId);

const BODY = JSON.stringify({ agentId: 'agent-0', sequence: 7, kind: 'delta', sentAt: NOW.toISOString(), pods: [] });
const PATH = '/v1/agent/inventory';

interface Sent {
  method: string;
  path: string;
  headers: Record<string, string | string[]>;
  body: RequestBody;
}

function send(over: Partial<Parameters<typeof signRequest>[0]> = {}): Sent {
  const input = { method: 'POST', path: PATH, body: BODY, keyId: 'ka1', secret: SECRET_A1, clusterId: 'cluster-a', now: NOW, ...over };
  return { method: input.method, path: input.path, body: input.body, headers: { ...signRequest(input) } };
}

function verify(req: Sent, over: Partial<VerifyRequestInput> = {}) {
  return verifyRequest({
    method: req.method,
    path: req.path,
    headers: req.headers as HeaderBag,
    body: req.body,
    lookupSecret,
    replayGuard: new InMemoryReplayGuard(),
    now: NOW,
    maxSkewSeconds: 300,
    ...over,
  });
}

const withHeader = (req: Sent, name: string, value: string | string[] | undefined): Sent => {
  const headers = { ...req.headers };
  if (value === undefined) delete headers[name];
  else headers[name] = value;
  return { ...req, headers };
};

describe('signRequest / verifyRequest', () => {
  it('round-trips and names the key and its cluster', async () => {
    await expect(verify(send())).resolves.toEqual({ ok: true, keyId: 'ka1', clusterId: 'cluster-a' });
  });

  it('round-trips a GET with a query and no body', async () => {
    const req = send({ method: 'get', path: '/v1/agent/commands?limit=10', body: undefined });
    await expect(verify(req)).resolves.toMatchObject({ ok: true });
  });

  it('treats a string body and its UTF-8 bytes alike', async () => {
    const body = '{"name":"café"}';
    const req = send({ body });
    await expect(verify({ ...req, body: Buffer.from(body, 'utf8') })).resolves.toMatchObject({ ok: true });
  });

  it('accepts header names in any case (Node lower-cases them)', async () => {
    const req = send();
    const lower = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), v]));
    await expect(verify({ ...req, headers: lower })).resolves.toMatchObject({ ok: true });
  });

  it('emits the documented headers and canonical string (golden vector for other implementations)', () => {
    const headers = signRequest({
      method: 'POST',
      path: '/v1/agent/heartbeat',
      body: '{}',
      keyId: 'ka1',
      secret: SECRET_A1,
      clusterId: 'cluster-a',
      now: NOW,
      nonce: 'AAAAAAAAAAAAAAAAAAAAAA',
    });
    const bodyHash = createHash('sha256').update('{}').digest('hex');
    const canonical = `VIGIL-HMAC-SHA256-V1\nPOST\n/v1/agent/heartbeat\n1772366400\nAAAAAAAAAAAAAAAAAAAAAA\ncluster-a\nka1\n${bodyHash}`;
    expect(headers).toEqual({
      'Vigil-Key-Id': 'ka1',
      'Vigil-Cluster-Id': 'cluster-a',
      'Vigil-Timestamp': '1772366400',
      'Vigil-Nonce': 'AAAAAAAAAAAAAAAAAAAAAA',
      'Vigil-Content-SHA256': bodyHash,
      'Vigil-Signature': `v1=${createHmac('sha256', SECRET_A1).update(canonical).digest('hex')}`,
    });
  });

  it('uses a fresh nonce per request', () => {
    expect(send().headers[SIGNATURE_HEADERS.nonce]).not.toEqual(send().headers[SIGNATURE_HEADERS.nonce]);
  });

  describe('attacks', () => {
    it('rejects a bad signature', async () => {
      const req = send();
      const sig = req.headers[SIGNATURE_HEADERS.signature] as string;
      const flipped = sig.slice(0, -1) + (sig.endsWith('0') ? '1' : '0');
      await expect(verify(withHeader(req, SIGNATURE_HEADERS.signature, flipped))).resolves.toMatchObject({ ok: false, reason: 'bad_signature' });
    });

    it('rejects a signature made with a guessed secret', async () => {
      await expect(verify(send({ secret: 'not-the-secret-0123456789abcdefghijkl' }))).resolves.toMatchObject({ ok: false, reason: 'bad_signature' });
    });

    it('rejects a tampered body', async () => {
      const req = send();
      const tampered = BODY.replace('"sequence":7', '"sequence":8');
      await expect(verify({ ...req, body: tampered })).resolves.toMatchObject({ ok: false, reason: 'body_digest_mismatch' });
    });

    it('rejects a tampered body whose digest header was updated to match', async () => {
      const tampered = BODY.replace('"sequence":7', '"sequence":8');
      const req = withHeader({ ...send(), body: tampered }, SIGNATURE_HEADERS.contentSha256, createHash('sha256').update(tampered).digest('hex'));
      await expect(verify(req)).resolves.toMatchObject({ ok: false, reason: 'bad_signature' });
    });

    it.each([
      ['another agent path', { path: '/v1/agent/admission' }],
      ['a changed query', { path: `${PATH}?x=1` }],
      ['another method', { method: 'PUT' }],
    ])('rejects the request replayed to %s', async (_label, change) => {
      await expect(verify({ ...send(), ...change })).resolves.toMatchObject({ ok: false, reason: 'bad_signature' });
    });

    it('rejects a validly signed request outside the agent endpoints', async () => {
      await expect(verify(send({ path: '/v1/orgs' }))).resolves.toMatchObject({ ok: false, reason: 'path_not_allowed' });
      await expect(verify(send({ path: '/v1/agentx/inventory' }))).resolves.toMatchObject({ ok: false, reason: 'path_not_allowed' });
    });

    it.each(['/v1/agent/../orgs', '/v1/agent/%2E%2e/orgs', '/v1/agent/./inventory'])('rejects dot segments in %s', async (path) => {
      const req = { ...send(), path };
      await expect(verify(req)).resolves.toMatchObject({ ok: false, reason: 'invalid_request_target' });
      expect(() => send({ path })).toThrow(TypeError);
    });

    it.each([
      ['too old', 301],
      ['in the future', -301],
    ])('rejects a timestamp %s', async (_label, offsetSeconds) => {
      const req = send({ now: new Date(NOW.getTime() - offsetSeconds * 1000) });
      await expect(verify(req)).resolves.toMatchObject({ ok: false, reason: 'timestamp_out_of_window' });
    });

    it.each([300, -300])('accepts a timestamp exactly at the edge of the window (%i s)', async (offsetSeconds) => {
      await expect(verify(send({ now: new Date(NOW.getTime() - offsetSeconds * 1000) }))).resolves.toMatchObject({ ok: true });
    });

    it('rejects a timestamp header moved back into the window', async () => {
      const stale = send({ now: new Date(NOW.getTime() - 3600_000) });
      const moved = withHeader(stale, SIGNATURE_HEADERS.timestamp, String(NOW.getTime() / 1000));
      await expect(verify(moved)).resolves.toMatchObject({ ok: false, reason: 'bad_signature' });
    });

    it('rejects a replayed nonce, even with a fresh timestamp', async () => {
      const replayGuard = new InMemoryReplayGuard();
      const req = send();
      await expect(verify(req, { replayGuard })).resolves.toMatchObject({ ok: true });
      await expect(verify(req, { replayGuard, now: new Date(NOW.getTime() + 5000) })).resolves.toMatchObject({ ok: false, reason: 'replayed_nonce' });
      const sameNonce = send({ nonce: req.headers[SIGNATURE_HEADERS.nonce] as string, now: new Date(NOW.getTime() + 1000) });
      await expect(verify(sameNonce, { replayGuard })).resolves.toMatchObject({ ok: false, reason: 'replayed_nonce' });
    });

    it('does not let a forged request burn a nonce', async () => {
      const replayGuard = new InMemoryReplayGuard();
      const nonce = 'BBBBBBBBBBBBBBBBBBBBBB';
      await expect(verify(send({ nonce, secret: 'forged-secret-0123456789abcdefghijklm' }), { replayGuard })).resolves.toMatchObject({ ok: false });
      await expect(verify(send({ nonce }), { replayGuard })).resolves.toMatchObject({ ok: true });
    });

    it("rejects cluster A's credential presented as cluster B", async () => {
      // Captured request from A, relabelled for B.
      const captured = send();
      await expect(verify(withHeader(captured, SIGNATURE_HEADERS.clusterId, 'cluster-b'))).resolves.toMatchObject({
        ok: false,
        reason: 'cluster_mismatch',
      });
      // A's secret, but B's key id and cluster id.
      await expect(verify(send({ keyId: 'kb1', clusterId: 'cluster-b' }))).resolves.toMatchObject({ ok: false, reason: 'bad_signature' });
      // B's key id while claiming cluster A.
      await expect(verify(send({ keyId: 'kb1' }))).resolves.toMatchObject({ ok: false, reason: 'cluster_mismatch' });
    });

    it("rejects A's captured signature replayed under B's key id", async () => {
      const captured = send();
      const relabelled = withHeader(withHeader(captured, SIGNATURE_HEADERS.keyId, 'kb1'), SIGNATURE_HEADERS.clusterId, 'cluster-b');
      await expect(verify(relabelled)).resolves.toMatchObject({ ok: false, reason: 'bad_signature' });
    });

    it('rejects an unknown or revoked key id', async () => {
      await expect(verify(send({ keyId: 'k-unknown' }))).resolves.toMatchObject({ ok: false, reason: 'unknown_key', header: 'Vigil-Key-Id' });
    });

    it.each(Object.values(SIGNATURE_HEADERS))('rejects a request without %s', async (name) => {
      await expect(verify(withHeader(send(), name, undefined))).resolves.toEqual({ ok: false, reason: 'missing_header', header: name });
    });

    it('rejects a repeated or malformed header', async () => {
      const req = send();
      const sig = req.headers[SIGNATURE_HEADERS.signature] as string;
      await expect(verify(withHeader(req, SIGNATURE_HEADERS.signature, [sig, sig]))).resolves.toMatchObject({ ok: false, reason: 'malformed_header' });
      const dup = { ...req, headers: { ...req.headers, 'vigil-signature': sig } };
      await expect(verify(dup)).resolves.toMatchObject({ ok: false, reason: 'malformed_header' });
      await expect(verify(withHeader(req, SIGNATURE_HEADERS.timestamp, '1e9'))).resolves.toMatchObject({ ok: false, reason: 'malformed_header' });
      await expect(verify(withHeader(req, SIGNATURE_HEADERS.signature, sig.slice(3)))).resolves.toMatchObject({ ok: false, reason: 'malformed_header' });
    });
  });

  describe('rotation', () => {
    it('accepts both keys of a cluster while two are valid, and only the new one after revocation', async () => {
      const replayGuard = new InMemoryReplayGuard();
      await expect(verify(send({ keyId: 'ka1', secret: SECRET_A1 }), { replayGuard })).resolves.toEqual({ ok: true, keyId: 'ka1', clusterId: 'cluster-a' });
      await expect(verify(send({ keyId: 'ka2', secret: SECRET_A2 }), { replayGuard })).resolves.toEqual({ ok: true, keyId: 'ka2', clusterId: 'cluster-a' });
      // Each key only with its own secret.
      await expect(verify(send({ keyId: 'ka2', secret: SECRET_A1 }), { replayGuard })).resolves.toMatchObject({ ok: false, reason: 'bad_signature' });

      const afterRevocation = async (keyId: string) => (keyId === 'ka1' ? undefined : credentials.get(keyId));
      await expect(verify(send({ keyId: 'ka1' }), { lookupSecret: afterRevocation })).resolves.toMatchObject({ ok: false, reason: 'unknown_key' });
      await expect(verify(send({ keyId: 'ka2', secret: SECRET_A2 }), { lookupSecret: afterRevocation })).resolves.toMatchObject({ ok: true });
    });
  });

  it('propagates a failing credential lookup instead of answering unauthenticated', async () => {
    const broken = async (): Promise<CredentialRecord | undefined> => {
      throw new Error('database down');
    };
    await expect(verify(send(), { lookupSecret: broken })).rejects.toThrow('database down');
  });

  it('refuses to sign malformed input', () => {
    expect(() => send({ path: '/v1/agent/inventory\nX-Injected: 1' })).toThrow(TypeError);
    expect(() => send({ path: 'v1/agent/inventory' })).toThrow(TypeError);
    expect(() => send({ secret: 'short' })).toThrow(TypeError);
    expect(() => send({ clusterId: 'a\nb' })).toThrow(TypeError);
    expect(() => send({ nonce: 'short' })).toThrow(TypeError);
  });

  it('round-trips any body and query, and any one-byte change to the body is caught', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1, maxLength: 512 }),
        fc.stringMatching(/^[a-z0-9=&]{0,40}$/),
        fc.nat(),
        async (bytes, query, at) => {
          const body = Buffer.from(bytes);
          const req = send({ body, path: `${PATH}?${query}` });
          expect((await verify(req)).ok).toBe(true);
          const tampered = Buffer.from(body);
          const i = at % tampered.length;
          tampered[i] = (tampered[i] ?? 0) ^ 0x01;
          expect(await verify({ ...req, body: tampered })).toMatchObject({ ok: false, reason: 'body_digest_mismatch' });
        },
      ),
      { numRuns: 100 },
    );
  });
});
