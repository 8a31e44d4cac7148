import { ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { PUBLIC_ROUTE } from '@vigil/shared/auth';

/** Global: every route needs a valid credential unless it is marked @Public(). */
@Injectable()
export class AuthenticationGuard extends AuthGuard(['api-token', 'session']) {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    const isPublic = this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [context.getHandler(), context.getClass()]);
    if (isPublic) return true;
    return super.canActivate(context);
  }

  override handleRequest<T>(error: unknown, principal: T): T {
    if (error || !principal) throw new UnauthorizedException('a valid bearer token is required');
    return principal;
  }
}
