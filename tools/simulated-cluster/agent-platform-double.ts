import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AGENT_ENDPOINTS,
  AdmissionRequest,
  AdmissionResponse,
  ClusterCredential,
  Command,
  CommandAckRequest,
  HeartbeatRequest,
  InMemoryReplayGuard,
  InventoryBatch,
  generateCredentialSecret,
  inventoryTermSupersededMessage,
  generateKeyId,
  validateAdmissionRequest,
  validateCommandAckRequest,
  validateHeartbeatRequest,
  validateInventoryBatch,
  validateRegisterRequest,
  verifyRequest,
} from '@vigil/agent-protocol';

/**
 * TEST DOUBLE of the platform's agent endpoints (NOT the real apps/api).
 * It verifies every signature with `verifyRequest` and every body with the
 * protocol validators, records what it receives, and answers per the protocol.
 * Agent tests talk to it only through its base URL, so the real API can be
 * swapped in by pointing VIGIL_API_URL elsewhere. It lives in tools/ (compiled
 * into dist/) because the agent admission benchmark runs it from the build.
 */
export class AgentPlatformDouble {
  readonly registrationToken = `reg-${generateCredentialSecret()}`;
  readonly clusterId = 'cluster-test-1';
  readonly credentials = new Map<string, ClusterCredential>();
  readonly registrations: ClusterCredential[] = [];
  readonly heartbeats: Array<HeartbeatRequest & { keyId: string }> = [];
  readonly batches: InventoryBatch[] = [];
  readonly admissions: AdmissionRequest[] = [];
  readonly acks: Array<CommandAckRequest & { id: string }> = [];
  readonly rejected: Array<{ path: string; reason: string }> = [];
  readonly pendingCommands: Command[] = [];
  /** Times each command was listed: as the platform does, a listed command is claimed and not listed again before its ack. */
  readonly commandListings = new Map<string, number>();
  /** The next N acks are answered 503 (a platform hiccup). */
  failAcks = 0;
  policyStateToken = 'policy-state-1';
  /** How admission is decided; tests replace it. Default: everything allowed, cacheable. */
  decide: (req: AdmissionRequest) => AdmissionResponse = (req) => ({
    allowed: true,
    warnings: [],
    reasons: [],
    policyStateToken: this.policyStateToken,
    decisions: req.images.map((i) => ({ image: i.ref, allowed: true, warnings: [], reasons: [], cacheTtlSeconds: 300 })),
  });
  /** When set, admission answers wait for this promise (a slow platform). */
  admissionGate?: Promise<void>;
  /** Forces the next inventory responses to ask for a snapshot (a gap the platform noticed). */
  requestSnapshotOnce = false;
  /** The highest leader term a batch has carried; as the platform does, a lower one is refused with 409. */
  highestTerm?: number;
  /** Batches refused as of a superseded leader term (not in `batches`). */
  readonly supersededBatches: InventoryBatch[] = [];
  /**
   * When set, a batch it returns a promise for is held until that settles
   * before it is ingested: a request still in flight (e.g. a deposed leader's
   * last batch) that lands late, whatever the agent did meanwhile.
   */
  holdInventory?: (batch: InventoryBatch) => Promise<void> | undefined;
  private readonly expected = new Map<string, number>();
  private readonly replayGuard = new InMemoryReplayGuard();
  private server?: Server;
  private port = 0;

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this.url;
  }

  /** Simulates an outage: the port stops answering until `start()` is called again. */
  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Mints a credential as a rotation would, and returns it for a rotate-credential command. */
  mintCredential(): ClusterCredential {
    const credential = { clusterId: this.clusterId, keyId: generateKeyId(), secret: generateCredentialSecret() };
    this.credentials.set(credential.keyId, credential);
    return credential;
  }

  revoke(keyId: string): void {
    this.credentials.delete(keyId);
  }

  /** Pods the platform believes run, rebuilt from deltas and snapshots like the real ingest would. */
  podsRunning(): Map<string, InventoryBatch['pods'][number]> {
    const pods = new Map<string, InventoryBatch['pods'][number]>();
    let snapshotUids: Set<string> | undefined;
    const ordered = [...this.batches].sort((a, b) => a.agentId.localeCompare(b.agentId) || a.sequence - b.sequence);
    for (const b of ordered) {
      if (b.kind === 'snapshot' && b.snapshot?.part === 0) snapshotUids = new Set();
      for (const p of b.pods) {
        if (p.op === 'delete') pods.delete(p.uid);
        else pods.set(p.uid, p);
        if (b.kind === 'snapshot') snapshotUids?.add(p.uid);
      }
      // The platform closes intervals of pods absent from a snapshot only after its last part.
      if (b.kind === 'snapshot' && b.snapshot?.last && snapshotUids) {
        for (const uid of [...pods.keys()]) if (!snapshotUids.has(uid)) pods.delete(uid);
        snapshotUids = undefined;
      }
    }
    return pods;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const path = req.url ?? '/';
    const send = (code: number, body: unknown): void => {
      res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    try {
      if (req.method === 'POST' && path === AGENT_ENDPOINTS.register.path) return this.register(raw, send);
      const verified = await verifyRequest({
        method: req.method ?? 'GET',
        path,
        headers: req.headers,
        body: raw,
        lookupSecret: (keyId) => this.credentials.get(keyId),
        replayGuard: this.replayGuard,
        now: new Date(),
      });
      if (!verified.ok) {
        this.rejected.push({ path, reason: verified.reason });
        return send(401, { statusCode: 401, error: 'Unauthorized', message: 'unauthorized' });
      }
      const keyId = String(req.headers['vigil-key-id']);
      const body = raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
      const bad = (errors: unknown) => {
        this.rejected.push({ path, reason: JSON.stringify(errors) });
        send(400, { statusCode: 400, error: 'Bad Request', message: errors });
      };
      if (req.method === 'POST' && path === AGENT_ENDPOINTS.heartbeat.path) {
        const v = validateHeartbeatRequest(body);
        if (!v.ok) return bad(v.errors);
        this.heartbeats.push({ ...v.value, keyId });
        return send(200, { serverTime: new Date().toISOString(), policyStateToken: this.policyStateToken, nextHeartbeatSeconds: 1, commandsPending: this.pendingCommands.some((c) => !this.commandListings.has(c.id)) });
      }
      if (req.method === 'POST' && path === AGENT_ENDPOINTS.inventory.path) {
        const v = validateInventoryBatch(body);
        if (!v.ok) return bad(v.errors);
        const held = this.holdInventory?.(v.value);
        if (held) await held;
        const term = v.value.term;
        if (term !== undefined && this.highestTerm !== undefined && term < this.highestTerm) {
          this.supersededBatches.push(v.value);
          return send(409, { statusCode: 409, error: 'Conflict', message: inventoryTermSupersededMessage(term, this.highestTerm) });
        }
        if (term !== undefined) this.highestTerm = Math.max(this.highestTerm ?? term, term);
        return send(200, this.ingest(v.value));
      }
      if (req.method === 'POST' && path === AGENT_ENDPOINTS.admission.path) {
        const v = validateAdmissionRequest(body);
        if (!v.ok) return bad(v.errors);
        this.admissions.push(v.value);
        if (this.admissionGate) await this.admissionGate;
        return send(200, this.decide(v.value));
      }
      if (req.method === 'GET' && path === AGENT_ENDPOINTS.listCommands.path) {
        const unclaimed = this.pendingCommands.filter((c) => !this.commandListings.has(c.id));
        for (const c of unclaimed) this.commandListings.set(c.id, 1);
        return send(200, { commands: unclaimed });
      }
      const ack = /^\/v1\/agent\/commands\/([^/]+)\/ack$/.exec(path);
      if (req.method === 'POST' && ack) {
        const v = validateCommandAckRequest(body);
        if (!v.ok) return bad(v.errors);
        const id = decodeURIComponent(ack[1]!);
        if (this.failAcks > 0) {
          this.failAcks--;
          return send(503, { statusCode: 503, error: 'Service Unavailable', message: 'try again' });
        }
        this.acks.push({ ...v.value, id });
        const i = this.pendingCommands.findIndex((c) => c.id === id);
        if (i >= 0) this.pendingCommands.splice(i, 1);
        return send(200, { id, outcome: v.value.outcome });
      }
      send(404, { statusCode: 404, error: 'Not Found', message: 'not found' });
    } catch (error) {
      send(500, { statusCode: 500, error: 'Internal Server Error', message: String(error) });
    }
  }

  private register(raw: Buffer, send: (code: number, body: unknown) => void): void {
    const v = validateRegisterRequest(JSON.parse(raw.toString('utf8') || 'null'));
    // Single use, as the platform enforces.
    if (!v.ok || v.value.registrationToken !== this.registrationToken || this.registrations.length > 0) {
      return send(401, { statusCode: 401, error: 'Unauthorized', message: 'invalid registration token' });
    }
    const credential = this.mintCredential();
    this.registrations.push(credential);
    send(201, credential);
  }

  private ingest(batch: InventoryBatch) {
    const expected = this.expected.get(batch.agentId) ?? 1;
    if (batch.sequence < expected) return { applied: false, duplicate: true, expectedSequence: expected, snapshotRequested: false };
    this.batches.push(batch);
    this.expected.set(batch.agentId, batch.sequence + 1);
    const gap = batch.sequence > expected;
    const snapshotRequested = gap || this.requestSnapshotOnce;
    this.requestSnapshotOnce = false;
    return { applied: true, duplicate: false, expectedSequence: batch.sequence + 1, snapshotRequested };
  }
}
