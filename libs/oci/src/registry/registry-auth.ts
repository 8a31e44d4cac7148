import { z } from 'zod';
import { RegistryProtocolError, RegistryUnauthorizedError } from '../errors/oci.errors';
import { parseAuthChallenges, type AuthChallenge } from './auth-challenge.parser';
import type { CredentialProvider, RegistryCredential } from './registry-credentials';
import { type HttpRequest, type HttpResponse, type RegistryHttpTransport } from './registry-http.transport';

const tokenResponseSchema = z
  .object({
    token: z.string().min(1).optional(),
    access_token: z.string().min(1).optional(),
    expires_in: z.number().positive().optional(),
  })
  .refine((t) => t.token || t.access_token, 'token response holds neither token nor access_token');

/** Docker's default token lifetime when the response does not say. */
const DEFAULT_TOKEN_SECONDS = 60;
const EXPIRY_MARGIN_MS = 10_000;
const TOKEN_RESPONSE_LIMIT = 256 * 1024;
const MAX_CACHED_TOKENS = 1000;

interface CachedToken {
  readonly token: string;
  readonly expiresAt: number;
}

/**
 * Sends registry requests with the right `Authorization`: answers 401
 * challenges (Bearer token exchange at the realm, or Basic), remembers
 * per-scope tokens until they expire, and retries the request once.
 */
export class RegistryAuthenticator {
  private readonly tokens = new Map<string, CachedToken>();
  /** Registries known to want Basic: send it up front instead of collecting a 401 each time. */
  private readonly basicRegistries = new Set<string>();

  constructor(
    private readonly transport: RegistryHttpTransport,
    private readonly credentials: CredentialProvider | undefined,
  ) {}

  /** `scope` is `repository:<name>:pull` or `…:pull,push`. */
  async send(registry: string, scope: string, req: HttpRequest): Promise<HttpResponse> {
    const credential = await this.credentials?.(registry);
    const first = await this.transport.send(withAuth(req, await this.knownAuthorization(registry, scope, credential)));
    if (first.status !== 401) return first;

    if (credential && 'token' in credential) {
      throw new RegistryUnauthorizedError(`${req.what}: registry ${registry} refused the configured token`, 401);
    }
    const challenges = parseAuthChallenges(first.headers['www-authenticate']);
    const authorization = await this.answerChallenge(registry, scope, challenges, credential, req.what);
    if (!authorization) {
      throw new RegistryUnauthorizedError(`${req.what}: registry ${registry} requires authentication and no credentials are configured for it`, 401);
    }
    const second = await this.transport.send(withAuth(req, authorization));
    if (second.status === 401) {
      this.tokens.delete(`${registry}|${scope}`);
      throw new RegistryUnauthorizedError(`${req.what}: registry ${registry} refused the credentials`, 401);
    }
    return second;
  }

  private async knownAuthorization(registry: string, scope: string, credential: RegistryCredential | undefined): Promise<string | undefined> {
    if (credential && 'token' in credential) return `Bearer ${credential.token}`;
    const cached = this.tokens.get(`${registry}|${scope}`);
    if (cached && cached.expiresAt > Date.now()) return `Bearer ${cached.token}`;
    if (credential && this.basicRegistries.has(registry)) return basic(credential);
    return undefined;
  }

  private async answerChallenge(
    registry: string,
    scope: string,
    challenges: readonly AuthChallenge[],
    credential: RegistryCredential | undefined,
    what: string,
  ): Promise<string | undefined> {
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    if (bearer) {
      const token = await this.fetchToken(registry, scope, bearer, credential, what);
      return `Bearer ${token}`;
    }
    if (challenges.some((c) => c.scheme === 'basic') && credential && 'username' in credential) {
      this.basicRegistries.add(registry);
      return basic(credential);
    }
    return undefined;
  }

  private async fetchToken(
    registry: string,
    scope: string,
    challenge: AuthChallenge,
    credential: RegistryCredential | undefined,
    what: string,
  ): Promise<string> {
    const realm = challenge.params.realm;
    let url: URL;
    try {
      url = new URL(realm ?? '');
    } catch {
      throw new RegistryProtocolError(`${what}: bearer challenge from ${registry} has no usable realm`);
    }
    // The realm is named by the registry: it gets the same SSRF and plain-HTTP rules (the transport applies them).
    if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
    // Ask for what the operation needs (the cache key) and what the registry named, like docker and containerd do.
    url.searchParams.append('scope', scope);
    if (challenge.params.scope && challenge.params.scope !== scope) url.searchParams.append('scope', challenge.params.scope);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (credential && !('token' in credential)) headers.authorization = basic(credential);

    const response = await this.transport.send({ method: 'GET', url, headers, maxBytes: TOKEN_RESPONSE_LIMIT, what: `${what} (token from ${url.host})` });
    if (response.status === 401 || response.status === 403) {
      throw new RegistryUnauthorizedError(`${what}: token service ${url.host} refused the credentials for ${registry}`, response.status);
    }
    if (response.status !== 200) {
      throw new RegistryProtocolError(`${what}: token service ${url.host} answered ${response.status}`, response.status);
    }
    let parsed: z.infer<typeof tokenResponseSchema>;
    try {
      parsed = tokenResponseSchema.parse(JSON.parse(response.body.toString('utf8')));
    } catch {
      throw new RegistryProtocolError(`${what}: token service ${url.host} answered something that is not a token response`);
    }
    const token = (parsed.token ?? parsed.access_token) as string;
    const lifetimeMs = (parsed.expires_in ?? DEFAULT_TOKEN_SECONDS) * 1000;
    // Scopes are per repository: keep the map from growing without bound in a long-lived worker.
    if (this.tokens.size >= MAX_CACHED_TOKENS) this.tokens.clear();
    this.tokens.set(`${registry}|${scope}`, { token, expiresAt: Date.now() + Math.max(0, lifetimeMs - EXPIRY_MARGIN_MS) });
    return token;
  }
}

function basic(credential: { username: string; password: string }): string {
  return `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString('base64')}`;
}

function withAuth(req: HttpRequest, authorization: string | undefined): HttpRequest {
  return authorization ? { ...req, headers: { ...req.headers, authorization } } : req;
}

