import type { Caller } from './caller';
import type { Role } from './roles';

/** Answers "may this caller act with `role` on this group?"; implemented by the IAM context. */
export interface Authorizer {
  /** Throws NotFound when the group is invisible to the caller, Forbidden when visible but the role is missing. */
  assertRole(caller: Caller, role: Role, groupId: string): Promise<void>;
  /**
   * The same check for an object that lives in `groupId`: an invisible group
   * answers "<object> not found", exactly as for an object that does not exist.
   */
  assertRoleOnObject(caller: Caller, role: Role, groupId: string, object: string): Promise<void>;
  /** Group ids in the caller's org where the caller holds at least `role` (null: every group). */
  groupsWithRole(caller: Caller, role: Role): Promise<string[] | null>;
  /** Every group at or below `roots` in the caller's org (for list filters). */
  groupsAtOrBelow(caller: Caller, roots: string[]): Promise<string[]>;
  /** The root group of an org (org-level permissions are roles on it). */
  rootGroupOf(orgId: string): Promise<string>;
}

export const AUTHORIZER = Symbol('AUTHORIZER');

/** The org a tenant request acts in; the auth guard guarantees it for tenant routes. */
export function orgOf(caller: Caller): string {
  if (!caller.orgId) throw new Error('tenant route reached without an org');
  return caller.orgId;
}
