import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Role } from './roles';
import type { Caller } from './caller';

export const REQUIRED_ROLE = 'vigil:required-role';
export const PUBLIC_ROUTE = 'vigil:public';
export const PLATFORM_ROUTE = 'vigil:platform';

/**
 * Declares the least role an endpoint needs somewhere in the caller's org; the
 * service then checks it on the exact group the object belongs to. Routes
 * without a declaration are refused (deny by default).
 */
export const Requires = (role: Role) => SetMetadata(REQUIRED_ROLE, role);

/** No credential needed (health, OIDC login). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/** Any authenticated principal, no org needed (create an org, who am I). */
export const PlatformRoute = () => SetMetadata(PLATFORM_ROUTE, true);

export const CurrentCaller = createParamDecorator((_data: unknown, ctx: ExecutionContext): Caller => {
  const request = ctx.switchToHttp().getRequest();
  return request.caller as Caller;
});
