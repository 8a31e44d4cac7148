import { Injectable, Logger } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import { verifyRequest } from '@vigil/agent-protocol';
import type { Principal } from '@vigil/shared/auth';
import type { AgentNonce } from '../repositories';
import { AgentCredentialCache } from './agent-credential.cache';
import { AgentNonceLedger } from './agent-nonce-ledger';

export type AgentPrincipal = Extract<Principal, { type: 'agent' }>;

export interface SignedAgentRequest {
  method: string;
  /** The path and query as sent (what the agent signed). */
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: Buffer | string;
}

/**
 * The request must be signed with a live credential of the cluster it names
 * (see libs/agent-protocol), with a nonce not seen before. Shared by the Nest
 * guard and the admission fast lane, so both refuse exactly the same requests;
 * the reason for a refusal goes to the log only.
 */
@Injectable()
export class AgentRequestAuthenticator {
  private readonly logger = new Logger('AgentAuthGuard');

  constructor(
    private readonly credentials: AgentCredentialCache,
    private readonly nonces: AgentNonceLedger,
  ) {}

  /** The agent that signed the request, or null (refused). */
  async authenticate(request: SignedAgentRequest): Promise<AgentPrincipal | null> {
    return (await this.verify(request, (nonce) => this.nonces.remember(nonce)))?.agent ?? null;
  }

  /**
   * The signature checks without the replay check: the caller must remember
   * `nonce` in the same commit as whatever the request changes, and refuse
   * the request if it was seen before (admission decisions do, so a decision
   * costs one commit instead of two). Never hand the agent to anything that
   * writes before that commit.
   */
  async authenticateDeferringReplayCheck(request: SignedAgentRequest): Promise<{ agent: AgentPrincipal; nonce: AgentNonce } | null> {
    let pending: AgentNonce | undefined;
    const verified = await this.verify(request, (nonce) => {
      pending = nonce;
      return true;
    });
    return verified && pending ? { agent: verified.agent, nonce: pending } : null;
  }

  private async verify(request: SignedAgentRequest, checkAndRemember: (nonce: AgentNonce) => boolean | Promise<boolean>): Promise<{ agent: AgentPrincipal } | null> {
    let orgId: string | undefined;
    const result = await verifyRequest({
      method: request.method,
      path: request.path,
      headers: request.headers,
      body: request.rawBody,
      now: new Date(),
      lookupSecret: async (keyId) => {
        const credential = await this.credentials.lookup(keyId);
        if (!credential) return undefined;
        orgId = credential.orgId;
        return { clusterId: credential.clusterId, secret: credential.secret };
      },
      replayGuard: {
        checkAndRemember: (key, expiresAt) => {
          const clusterId = String(request.headers['vigil-cluster-id'] ?? '');
          const keyId = String(request.headers['vigil-key-id'] ?? '');
          return orgId ? checkAndRemember({ orgId, clusterId, nonce: key, expiresAt, keyId }) : false;
        },
      },
    });
    if (!result.ok || !orgId) {
      this.logger.warn(`agent request refused: ${result.ok ? 'no org' : result.reason}`);
      return null;
    }
    return { agent: { type: 'agent', orgId, clusterId: result.clusterId, keyId: result.keyId } };
  }
}
