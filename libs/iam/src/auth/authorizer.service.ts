import { ForbiddenException, Injectable, NotFoundException } from '@nestjs/common';
import { Authorizer, Caller, orgOf, Role, roleSatisfies } from '@vigil/shared/auth';
import { GroupRepository } from '../repositories';

/** Role inheritance: a binding on a group applies to every group below it. */
@Injectable()
export class IamAuthorizer implements Authorizer {
  constructor(private readonly groups: GroupRepository) {}

  async assertRole(caller: Caller, role: Role, groupId: string): Promise<void> {
    const orgId = orgOf(caller);
    const group = await this.groups.findById(orgId, groupId);
    // Same answer for "no such group" and "another org's group": existence never leaks.
    if (!group) throw new NotFoundException(`group ${groupId} not found`);
    if (caller.principal.type === 'platform-admin') return;
    const inherited = caller.grants.filter((g) => group.ancestorIds.includes(g.groupId));
    if (inherited.some((g) => roleSatisfies(g.role, role))) return;
    if (inherited.some((g) => roleSatisfies(g.role, 'viewer'))) {
      throw new ForbiddenException(`this action needs the ${role} role on group ${groupId}`);
    }
    throw new NotFoundException(`group ${groupId} not found`);
  }

  async assertRoleOnObject(caller: Caller, role: Role, groupId: string, object: string): Promise<void> {
    try {
      await this.assertRole(caller, role, groupId);
    } catch (error) {
      if (error instanceof NotFoundException) throw new NotFoundException(`${object} not found`);
      throw error;
    }
  }

  async groupsWithRole(caller: Caller, role: Role): Promise<string[] | null> {
    if (caller.principal.type === 'platform-admin') return null;
    return caller.grants.filter((g) => roleSatisfies(g.role, role)).map((g) => g.groupId);
  }

  groupsAtOrBelow(caller: Caller, roots: string[]): Promise<string[]> {
    return this.groups.idsAtOrBelow(orgOf(caller), roots);
  }

  async rootGroupOf(orgId: string): Promise<string> {
    const root = await this.groups.findRoot(orgId);
    if (!root) throw new NotFoundException('organization not found');
    return root.id;
  }
}
