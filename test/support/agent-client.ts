import { signRequest } from '../../libs/agent-protocol/src';
import { ApiHarness, HttpResult } from './api-harness';

export interface Credential {
  clusterId: string;
  keyId: string;
  secret: string;
}

/** Speaks the agent protocol to a test API the way the real agent does: signed JSON over HTTP. */
export class AgentClient {
  constructor(
    private readonly api: ApiHarness,
    public credential: Credential,
  ) {}

  static async register(api: ApiHarness, registrationToken: string): Promise<AgentClient> {
    const res = await api.request('POST', '/v1/agent/register', { body: { registrationToken, agentVersion: '0.1.0' } });
    if (res.status !== 201) throw new Error(`register: ${res.status} ${JSON.stringify(res.body)}`);
    return new AgentClient(api, res.body);
  }

  /** Signs and sends; `tamper` changes the request after signing, to play the attacker. */
  async send<T = any>(
    method: string,
    path: string,
    body?: unknown,
    options: { now?: Date; credential?: Credential; clusterIdHeader?: string; deliverTo?: { method: string; path: string }; tamper?: (r: { body: string; headers: Record<string, string> }) => void } = {},
  ): Promise<HttpResult<T>> {
    const credential = options.credential ?? this.credential;
    const raw = body === undefined ? '' : JSON.stringify(body);
    const headers: Record<string, string> = {
      ...signRequest({ method, path, body: raw, keyId: credential.keyId, secret: credential.secret, clusterId: credential.clusterId, now: options.now }),
    };
    if (options.clusterIdHeader) headers['Vigil-Cluster-Id'] = options.clusterIdHeader;
    if (raw) headers['content-type'] = 'application/json';
    const request = { body: raw, headers };
    options.tamper?.(request);
    const target = options.deliverTo ?? { method, path };
    return this.api.request(target.method, target.path, { rawBody: target.method === 'GET' ? undefined : request.body, headers: request.headers });
  }

  /** Sends exactly the same bytes and headers twice (a captured request replayed). */
  async sendTwice(method: string, path: string, body: unknown): Promise<[HttpResult, HttpResult]> {
    const raw = JSON.stringify(body);
    const headers = {
      ...signRequest({ method, path, body: raw, keyId: this.credential.keyId, secret: this.credential.secret, clusterId: this.credential.clusterId }),
      'content-type': 'application/json',
    };
    const first = await this.api.request(method, path, { rawBody: raw, headers });
    const second = await this.api.request(method, path, { rawBody: raw, headers });
    return [first, second];
  }

  heartbeat(agentId = 'agent-1') {
    return this.send('POST', '/v1/agent/heartbeat', { agentId, agentVersion: '0.1.0', kubernetesVersion: '1.31.2', nodeCount: 3, sentAt: new Date().toISOString() });
  }
}
