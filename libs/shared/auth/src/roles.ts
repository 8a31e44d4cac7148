export const ROLES = ['owner', 'editor', 'viewer', 'agent'] as const;
export type Role = (typeof ROLES)[number];

/** Human roles form a ladder; `agent` is a separate, narrow role and grants none of them. */
const RANK: Record<Role, number> = { viewer: 1, editor: 2, owner: 3, agent: 0 };

export function roleSatisfies(held: Role, required: Role): boolean {
  if (required === 'agent' || held === 'agent') return held === required;
  return RANK[held] >= RANK[required];
}
