import type { Role } from './roles';

export interface RoleGrant {
  groupId: string;
  role: Role;
}

/** Who is calling, as established by authentication. */
export type Principal =
  | { type: 'platform-admin' }
  | { type: 'identity'; identityId: string; orgId: string; via: 'api-token' | 'session'; tokenId?: string; userId?: string }
  | { type: 'user'; userId: string; memberships: { orgId: string; identityId: string }[] }
  /** A cluster agent, authenticated by a signed request (agent endpoints only). */
  | { type: 'agent'; orgId: string; clusterId: string; keyId: string }
  /** The platform acting on its own (a policy's response action): never authenticated, only recorded. */
  | { type: 'system'; component: string };

/** The authenticated caller of one request, with the org it acts in. */
export interface Caller {
  principal: Principal;
  /** The org the request acts in; null only for platform-level calls. */
  orgId: string | null;
  /** Role bindings of an identity principal in `orgId` (empty for admins, who act as owner). */
  grants: RoleGrant[];
  requestId: string;
}

export function isPlatformAdmin(caller: Caller): boolean {
  return caller.principal.type === 'platform-admin';
}

/** A stable id for audit records: who did it. */
export function actorOf(caller: Caller): { type: string; id: string } {
  const p = caller.principal;
  switch (p.type) {
    case 'platform-admin':
      return { type: 'platform-admin', id: 'platform-admin' };
    case 'identity':
      return { type: 'identity', id: p.identityId };
    case 'user':
      return { type: 'user', id: p.userId };
    case 'agent':
      return { type: 'agent', id: p.clusterId };
    case 'system':
      return { type: 'system', id: p.component };
  }
}
