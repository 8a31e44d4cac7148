import { CanActivate, createParamDecorator, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import type { AgentNonce } from '../repositories';
import type { Request } from 'express';
import { AgentPrincipal, AgentRequestAuthenticator, type SignedAgentRequest } from './agent-request.authenticator';

export type { AgentPrincipal } from './agent-request.authenticator';

export const AGENT_SIGNATURE_REFUSED = 'agent request signature is not valid';

/** What the agent signed, as Express received it (the agent JSON parser keeps the raw body). */
function signedRequestOf(request: Request & { rawBody?: Buffer }): SignedAgentRequest {
  return { method: request.method, path: request.originalUrl, headers: request.headers, rawBody: request.rawBody ?? '' };
}

/** Agent endpoints: every failure is the same 401 (the authenticator logs why). */
@Injectable()
export class AgentAuthGuard implements CanActivate {
  constructor(private readonly authenticator: AgentRequestAuthenticator) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest();
    const principal = await this.authenticator.authenticate(signedRequestOf(request));
    if (!principal) throw new UnauthorizedException(AGENT_SIGNATURE_REFUSED);
    request.agent = principal;
    return true;
  }
}

/**
 * Agent endpoints whose handler remembers the request's nonce in its own
 * commit (and refuses a replay there): the signature is checked here, the
 * nonce goes to the handler through `@AgentRequestNonce()`. Only for handlers
 * that write nothing before that commit (admission decisions).
 */
@Injectable()
export class AgentSignatureGuard implements CanActivate {
  constructor(private readonly authenticator: AgentRequestAuthenticator) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest();
    const verified = await this.authenticator.authenticateDeferringReplayCheck(signedRequestOf(request));
    if (!verified) throw new UnauthorizedException(AGENT_SIGNATURE_REFUSED);
    request.agent = verified.agent;
    request.agentNonce = verified.nonce;
    return true;
  }
}

/** The nonce AgentSignatureGuard left for the handler to remember. */
export const AgentRequestNonce = createParamDecorator((_data: unknown, ctx: ExecutionContext): AgentNonce => {
  const nonce = ctx.switchToHttp().getRequest().agentNonce as AgentNonce | undefined;
  if (!nonce) throw new Error('AgentRequestNonce needs AgentSignatureGuard on the route');
  return nonce;
});

export const CurrentAgent = createParamDecorator((_data: unknown, ctx: ExecutionContext): AgentPrincipal => {
  return ctx.switchToHttp().getRequest().agent as AgentPrincipal;
});
