import { CanActivate, createParamDecorator, ExecutionContext, Injectable, Logger, UnauthorizedException } from '@nestjs/common';
import { verifyRequest } from '@vigil/agent-protocol';
import type { Principal } from '@vigil/shared/auth';
import { AgentCredentialCache } from './agent-credential.cache';
import { AgentNonceLedger } from './agent-nonce-ledger';

export type AgentPrincipal = Extract<Principal, { type: 'agent' }>;

/**
 * Agent endpoints: the request must be signed with a live credential of the
 * cluster it names (see libs/agent-protocol). Every failure is the same 401;
 * the reason goes to the log only.
 */
@Injectable()
export class AgentAuthGuard implements CanActivate {
  private readonly logger = new Logger('AgentAuthGuard');

  constructor(
    private readonly credentials: AgentCredentialCache,
    private readonly nonces: AgentNonceLedger,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest();
    let orgId: string | undefined;
    const result = await verifyRequest({
      method: request.method,
      path: request.originalUrl,
      headers: request.headers,
      body: request.rawBody ?? '',
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
          return orgId ? this.nonces.remember({ orgId, clusterId, nonce: key, expiresAt, keyId }) : false;
        },
      },
    });
    if (!result.ok || !orgId) {
      this.logger.warn(`agent request refused: ${result.ok ? 'no org' : result.reason}`);
      throw new UnauthorizedException('agent request signature is not valid');
    }
    const principal: AgentPrincipal = { type: 'agent', orgId, clusterId: result.clusterId, keyId: result.keyId };
    request.agent = principal;
    return true;
  }
}

export const CurrentAgent = createParamDecorator((_data: unknown, ctx: ExecutionContext): AgentPrincipal => {
  return ctx.switchToHttp().getRequest().agent as AgentPrincipal;
});
