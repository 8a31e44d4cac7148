import { CanActivate, createParamDecorator, ExecutionContext, Inject, Injectable, Logger, UnauthorizedException } from '@nestjs/common';
import { verifyRequest } from '@vigil/agent-protocol';
import type { Principal } from '@vigil/shared/auth';
import { PLATFORM_CONFIG, PlatformConfig } from '@vigil/shared/config';
import { SecretBox } from '@vigil/shared/crypto';
import { AgentCredentialRepository } from '../repositories';

export type AgentPrincipal = Extract<Principal, { type: 'agent' }>;

export function credentialContext(keyId: string): string {
  return `cluster-credential:${keyId}`;
}

/**
 * Agent endpoints: the request must be signed with a live credential of the
 * cluster it names (see libs/agent-protocol). Every failure is the same 401;
 * the reason goes to the log only.
 */
@Injectable()
export class AgentAuthGuard implements CanActivate {
  private readonly logger = new Logger('AgentAuthGuard');
  private readonly box: SecretBox;

  constructor(
    private readonly credentials: AgentCredentialRepository,
    @Inject(PLATFORM_CONFIG) config: PlatformConfig,
  ) {
    this.box = new SecretBox(config.env.VIGIL_SECRET_KEY, 'cluster-credentials');
  }

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
        const stored = await this.credentials.lookup(keyId);
        if (!stored) return undefined;
        const secret = this.box.open(stored.secretSealed, credentialContext(keyId));
        if (!secret) return undefined;
        orgId = stored.orgId;
        return { clusterId: stored.clusterId, secret: secret.toString('utf8') };
      },
      replayGuard: {
        checkAndRemember: (key, expiresAt) => {
          const clusterId = String(request.headers['vigil-cluster-id'] ?? '');
          const keyId = String(request.headers['vigil-key-id'] ?? '');
          return orgId ? this.credentials.rememberNonce(orgId, clusterId, key, expiresAt, keyId) : false;
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
