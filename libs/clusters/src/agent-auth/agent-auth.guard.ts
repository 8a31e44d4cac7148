import { CanActivate, createParamDecorator, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { AgentPrincipal, AgentRequestAuthenticator } from './agent-request.authenticator';

export type { AgentPrincipal } from './agent-request.authenticator';

export const AGENT_SIGNATURE_REFUSED = 'agent request signature is not valid';

/** Agent endpoints: every failure is the same 401 (the authenticator logs why). */
@Injectable()
export class AgentAuthGuard implements CanActivate {
  constructor(private readonly authenticator: AgentRequestAuthenticator) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest();
    const principal = await this.authenticator.authenticate({
      method: request.method,
      path: request.originalUrl,
      headers: request.headers,
      rawBody: request.rawBody ?? '',
    });
    if (!principal) throw new UnauthorizedException(AGENT_SIGNATURE_REFUSED);
    request.agent = principal;
    return true;
  }
}

export const CurrentAgent = createParamDecorator((_data: unknown, ctx: ExecutionContext): AgentPrincipal => {
  return ctx.switchToHttp().getRequest().agent as AgentPrincipal;
});
