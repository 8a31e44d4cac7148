import { BadRequestException, CanActivate, ExecutionContext, ForbiddenException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Caller, PLATFORM_ROUTE, Principal, PUBLIC_ROUTE, REQUIRED_ROLE, Role, roleSatisfies } from '@vigil/shared/auth';
import { OrganizationRepository, RoleBindingRepository } from '../repositories';

export const ORG_HEADER = 'vigil-org-id';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Global, after authentication: settles which org the request acts in (the
 * credential's, never the body's) and loads the caller's role bindings. Deny
 * by default: a route must declare @Requires(role), @PlatformRoute() or @Public().
 */
@Injectable()
export class AuthorizationGuard implements CanActivate {
  private readonly logger = new Logger('AuthorizationGuard');

  constructor(
    private readonly reflector: Reflector,
    private readonly orgs: OrganizationRepository,
    private readonly bindings: RoleBindingRepository,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const request = context.switchToHttp().getRequest();
    const principal = request.user as Principal;
    const header = request.headers[ORG_HEADER];
    const requestedOrg = typeof header === 'string' && header !== '' ? header : null;
    if (requestedOrg && !UUID.test(requestedOrg)) throw new BadRequestException(`${ORG_HEADER} header: must be a UUID`);

    const caller = await this.callerFor(principal, requestedOrg, String(request.id ?? ''));
    request.caller = caller;

    if (this.reflector.getAllAndOverride<boolean>(PLATFORM_ROUTE, targets)) return true;
    const required = this.reflector.getAllAndOverride<Role | undefined>(REQUIRED_ROLE, targets);
    if (!required) {
      this.logger.error(`route ${request.method} ${request.route?.path} declares no role; refused`);
      throw new ForbiddenException('this route is not available');
    }
    if (!caller.orgId) {
      if (principal.type === 'user' && principal.memberships.length === 0) {
        throw new ForbiddenException('you are not a member of any organization');
      }
      throw new BadRequestException(`${ORG_HEADER} header: required to choose the organization to act in`);
    }
    if (principal.type === 'platform-admin') return true;
    if (!caller.grants.some((g) => roleSatisfies(g.role, required))) {
      throw new ForbiddenException(`this action needs the ${required} role`);
    }
    return true;
  }

  private async callerFor(principal: Principal, requestedOrg: string | null, requestId: string): Promise<Caller> {
    switch (principal.type) {
      case 'platform-admin': {
        if (requestedOrg && !(await this.orgs.findById(requestedOrg))) throw new NotFoundException('organization not found');
        return { principal, orgId: requestedOrg, grants: [], requestId };
      }
      case 'identity': {
        // A token belongs to one org; naming another is the same as naming none that exists.
        if (requestedOrg && requestedOrg !== principal.orgId) throw new NotFoundException('organization not found');
        return { principal, orgId: principal.orgId, grants: await this.grantsOf(principal.orgId, principal.identityId), requestId };
      }
      case 'agent':
      case 'system':
        // Agent credentials reach agent endpoints only (those use their own guard); the system principal is never authenticated.
        throw new NotFoundException('not found');
      case 'user': {
        const chosen = requestedOrg
          ? principal.memberships.find((m) => m.orgId === requestedOrg)
          : principal.memberships.length === 1
            ? principal.memberships[0]
            : undefined;
        if (requestedOrg && !chosen) throw new NotFoundException('organization not found');
        if (!chosen) return { principal, orgId: null, grants: [], requestId };
        return {
          principal: { type: 'identity', identityId: chosen.identityId, orgId: chosen.orgId, via: 'session', userId: principal.userId },
          orgId: chosen.orgId,
          grants: await this.grantsOf(chosen.orgId, chosen.identityId),
          requestId,
        };
      }
    }
  }

  private async grantsOf(orgId: string, identityId: string) {
    const rows = await this.bindings.forIdentity(orgId, identityId);
    return rows.map((r) => ({ groupId: r.groupId, role: r.role }));
  }
}
