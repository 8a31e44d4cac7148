import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ReplayGuard } from './replay-guard';

export const SIGNATURE_HEADERS = {
  keyId: 'Vigil-Key-Id',
  clusterId: 'Vigil-Cluster-Id',
  timestamp: 'Vigil-Timestamp',
  nonce: 'Vigil-Nonce',
  contentSha256: 'Vigil-Content-SHA256',
  signature: 'Vigil-Signature',
} as const;
export type SignatureHeaderName = (typeof SIGNATURE_HEADERS)[keyof typeof SIGNATURE_HEADERS];
export type SignedHeaders = Record<SignatureHeaderName, string>;

/** First line of the canonical string: changing the scheme changes every signature. */
export const SIGNATURE_ALGORITHM = 'VIGIL-HMAC-SHA256-V1';
const SIGNATURE_PREFIX = 'v1=';
export const DEFAULT_MAX_SKEW_SECONDS = 300;
/** A cluster credential reaches these paths and nothing else. */
export const AGENT_PATH_PREFIX = '/v1/agent/';

// Each field is restricted to a charset without "\n", so the newline-joined
// canonical string has exactly one parse and fields cannot bleed into each other.
const METHOD = /^[A-Z]{1,16}$/;
const PATH = /^\/[\x21-\x7e]{0,4095}$/;
const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const NONCE = /^[A-Za-z0-9_-]{16,128}$/;
const TIMESTAMP = /^[0-9]{1,12}$/;
const SHA256_HEX = /^[a-f0-9]{64}$/;
const SIGNATURE = /^v1=[a-f0-9]{64}$/;
const MIN_SECRET_LENGTH = 32;

export interface CanonicalRequest {
  method: string;
  /** Path and query as sent, from `/v1/` on (any base-path prefix of the API URL excluded). */
  path: string;
  /** Unix seconds. */
  timestamp: string;
  nonce: string;
  clusterId: string;
  keyId: string;
  contentSha256: string;
}

/**
 * ```
 * VIGIL-HMAC-SHA256-V1\n<METHOD>\n<path?query>\n<timestamp>\n<nonce>\n<clusterId>\n<keyId>\n<sha256 hex of body>
 * ```
 */
export function canonicalRequestString(r: CanonicalRequest): string {
  return [SIGNATURE_ALGORITHM, r.method, r.path, r.timestamp, r.nonce, r.clusterId, r.keyId, r.contentSha256].join('\n');
}

export type RequestBody = string | Uint8Array | undefined | null;

/** Hex SHA-256 of the exact body bytes (strings as UTF-8); empty body for GET. */
export function sha256Hex(body: RequestBody): string {
  return createHash('sha256')
    .update(body ?? '')
    .digest('hex');
}

export function generateNonce(): string {
  return randomBytes(16).toString('base64url');
}

function hmacHex(secret: string, canonical: string): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(canonical, 'utf8').digest('hex');
}

/** Dot segments would let `/v1/agent/../orgs` pass the prefix check and route elsewhere after normalisation. */
function hasDotSegment(path: string): boolean {
  const pathname = path.split('?', 1)[0] ?? '';
  return pathname.split('/').some((seg) => {
    const decoded = seg.replace(/%2e/gi, '.');
    return decoded === '.' || decoded === '..';
  });
}

export interface SignRequestInput {
  method: string;
  path: string;
  body?: RequestBody;
  keyId: string;
  secret: string;
  clusterId: string;
  now?: Date;
  nonce?: string;
}

/** Headers to add to an agent request. Throws on malformed input (a bug in the caller). */
export function signRequest(input: SignRequestInput): SignedHeaders {
  const method = input.method.toUpperCase();
  const nonce = input.nonce ?? generateNonce();
  const timestamp = String(Math.floor((input.now ?? new Date()).getTime() / 1000));
  if (!METHOD.test(method)) throw new TypeError('signRequest: invalid method');
  if (!PATH.test(input.path) || hasDotSegment(input.path)) throw new TypeError('signRequest: invalid path');
  if (!ID.test(input.keyId)) throw new TypeError('signRequest: invalid keyId');
  if (!ID.test(input.clusterId)) throw new TypeError('signRequest: invalid clusterId');
  if (!NONCE.test(nonce)) throw new TypeError('signRequest: invalid nonce');
  if (!TIMESTAMP.test(timestamp)) throw new TypeError('signRequest: invalid time');
  if (input.secret.length < MIN_SECRET_LENGTH) throw new TypeError('signRequest: secret too short');

  const contentSha256 = sha256Hex(input.body);
  const canonical = canonicalRequestString({
    method,
    path: input.path,
    timestamp,
    nonce,
    clusterId: input.clusterId,
    keyId: input.keyId,
    contentSha256,
  });
  return {
    [SIGNATURE_HEADERS.keyId]: input.keyId,
    [SIGNATURE_HEADERS.clusterId]: input.clusterId,
    [SIGNATURE_HEADERS.timestamp]: timestamp,
    [SIGNATURE_HEADERS.nonce]: nonce,
    [SIGNATURE_HEADERS.contentSha256]: contentSha256,
    [SIGNATURE_HEADERS.signature]: SIGNATURE_PREFIX + hmacHex(input.secret, canonical),
  };
}

/** A credential as the platform stores it: which cluster it belongs to, and its secret. */
export interface CredentialRecord {
  clusterId: string;
  secret: string;
}

/** undefined for an unknown, revoked or expired key. Errors (database down) propagate. */
export type LookupSecret = (keyId: string) => CredentialRecord | undefined | Promise<CredentialRecord | undefined>;

export type HeaderBag = Readonly<Record<string, string | readonly string[] | undefined>>;

export interface VerifyRequestInput {
  method: string;
  /** Path and query as received, relative to the API root (Express: `req.originalUrl`). */
  path: string;
  headers: HeaderBag;
  /** The raw body bytes as received, before JSON parsing. */
  body: RequestBody;
  lookupSecret: LookupSecret;
  /** Required on purpose: a verifier without replay protection is a bug. */
  replayGuard: ReplayGuard;
  now: Date;
  maxSkewSeconds?: number;
  allowedPathPrefixes?: readonly string[];
}

export type VerifyFailureReason =
  | 'missing_header'
  | 'malformed_header'
  | 'invalid_request_target'
  | 'path_not_allowed'
  | 'timestamp_out_of_window'
  | 'body_digest_mismatch'
  | 'unknown_key'
  | 'cluster_mismatch'
  | 'bad_signature'
  | 'replayed_nonce';

/**
 * `reason` is for logs and metrics. Answer every failure with the same plain 401
 * so a caller learns nothing about which check failed.
 */
export type VerifyResult =
  | { ok: true; keyId: string; clusterId: string }
  | { ok: false; reason: VerifyFailureReason; header?: SignatureHeaderName };

function readHeader(headers: HeaderBag, name: SignatureHeaderName): string | undefined | null {
  const wanted = name.toLowerCase();
  let found: string | undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    // A repeated header is ambiguous (proxies differ on which one wins): refuse it.
    if (found !== undefined) return null;
    if (typeof value === 'string') found = value;
    else if (value.length === 1 && typeof value[0] === 'string') found = value[0];
    else return null;
  }
  return found;
}

const fail = (reason: VerifyFailureReason, header?: SignatureHeaderName): VerifyResult =>
  header ? { ok: false, reason, header } : { ok: false, reason };

/**
 * Checks, cheapest first: headers, request target, time window, body digest,
 * key → cluster binding, signature (constant time), and only then the nonce.
 */
export async function verifyRequest(input: VerifyRequestInput): Promise<VerifyResult> {
  const formats: ReadonlyArray<[SignatureHeaderName, RegExp]> = [
    [SIGNATURE_HEADERS.keyId, ID],
    [SIGNATURE_HEADERS.clusterId, ID],
    [SIGNATURE_HEADERS.timestamp, TIMESTAMP],
    [SIGNATURE_HEADERS.nonce, NONCE],
    [SIGNATURE_HEADERS.contentSha256, SHA256_HEX],
    [SIGNATURE_HEADERS.signature, SIGNATURE],
  ];
  const values = new Map<SignatureHeaderName, string>();
  for (const [name, format] of formats) {
    const value = readHeader(input.headers, name);
    if (value === undefined) return fail('missing_header', name);
    if (value === null || !format.test(value)) return fail('malformed_header', name);
    values.set(name, value);
  }
  const header = (name: SignatureHeaderName): string => values.get(name) as string;

  const method = input.method.toUpperCase();
  if (!METHOD.test(method) || !PATH.test(input.path) || hasDotSegment(input.path)) return fail('invalid_request_target');
  const pathname = input.path.split('?', 1)[0] ?? '';
  const prefixes = input.allowedPathPrefixes ?? [AGENT_PATH_PREFIX];
  if (!prefixes.some((prefix) => pathname.startsWith(prefix))) return fail('path_not_allowed');

  const maxSkew = input.maxSkewSeconds ?? DEFAULT_MAX_SKEW_SECONDS;
  const timestamp = Number(header(SIGNATURE_HEADERS.timestamp));
  const nowSeconds = Math.floor(input.now.getTime() / 1000);
  if (Math.abs(nowSeconds - timestamp) > maxSkew) return fail('timestamp_out_of_window', SIGNATURE_HEADERS.timestamp);

  const contentSha256 = sha256Hex(input.body);
  if (contentSha256 !== header(SIGNATURE_HEADERS.contentSha256)) return fail('body_digest_mismatch', SIGNATURE_HEADERS.contentSha256);

  const keyId = header(SIGNATURE_HEADERS.keyId);
  const credential = await input.lookupSecret(keyId);
  if (!credential) return fail('unknown_key', SIGNATURE_HEADERS.keyId);
  // The cluster comes from the credential record; the header only has to agree with it.
  const clusterId = credential.clusterId;
  if (header(SIGNATURE_HEADERS.clusterId) !== clusterId) return fail('cluster_mismatch', SIGNATURE_HEADERS.clusterId);

  const expected = Buffer.from(
    SIGNATURE_PREFIX +
      hmacHex(
        credential.secret,
        canonicalRequestString({
          method,
          path: input.path,
          timestamp: header(SIGNATURE_HEADERS.timestamp),
          nonce: header(SIGNATURE_HEADERS.nonce),
          clusterId,
          keyId,
          contentSha256,
        }),
      ),
    'utf8',
  );
  const given = Buffer.from(header(SIGNATURE_HEADERS.signature), 'utf8');
  // Equal lengths are guaranteed by the header format check above.
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return fail('bad_signature', SIGNATURE_HEADERS.signature);

  // Remember the nonce as long as its timestamp could still pass the window.
  const expiresAt = new Date((timestamp + maxSkew + 1) * 1000);
  const fresh = await input.replayGuard.checkAndRemember(`${keyId}:${header(SIGNATURE_HEADERS.nonce)}`, expiresAt, input.now);
  if (!fresh) return fail('replayed_nonce', SIGNATURE_HEADERS.nonce);

  return { ok: true, keyId, clusterId };
}
