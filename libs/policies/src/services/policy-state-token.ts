import { createHash } from 'node:crypto';

/**
 * The agent's decision-cache key part (protocol: opaque, ≤256 chars). It is a
 * function of everything that decides admission in a cluster — the effective
 * (policy id, revision) set and the cluster's no-match behaviour — so it
 * changes exactly when a decision could change: a policy created, updated,
 * deleted, attached above the cluster, or the group tree moved. Derived, not
 * stored, so no write path can forget to bump it.
 */
export function policyStateToken(noMatch: string, revisions: readonly { policyId: string; revision: number }[]): string {
  const parts = revisions.map((r) => `${r.policyId}@${r.revision}`).sort();
  const hash = createHash('sha256').update(`v1\n${noMatch}\n${parts.join('\n')}`).digest('base64url');
  return `ps1_${hash.slice(0, 32)}`;
}
