import { Injectable } from '@nestjs/common';
import { DatabaseNotifications, InvalidatedCache } from '@vigil/shared/database';
import type { CompiledPolicy, NoMatchBehaviour } from '@vigil/policy-engine';
import { EffectivePolicyRepository } from '../repositories';
import { CompiledPolicyCache } from './compiled-policy.cache';
import { policyStateToken } from './policy-state-token';

export interface EffectivePolicy {
  readonly policyId: string;
  readonly revision: number;
  /** Compiled, with `revision` set so results name it. */
  readonly policy: CompiledPolicy;
}

export interface ClusterPolicyState {
  readonly noMatch: NoMatchBehaviour;
  /** Changes whenever any effective policy (or the no-match behaviour) changes. */
  readonly token: string;
  readonly policies: readonly EffectivePolicy[];
}

/**
 * The facade other contexts use: which compiled policies govern a cluster
 * (those attached to its group and every ancestor), and the cluster's policy
 * state token. One query per call; compiled documents come from memory.
 */
@Injectable()
export class EffectivePoliciesService {
  private readonly compiled = new CompiledPolicyCache();
  private readonly states: InvalidatedCache<ClusterPolicyState>;

  constructor(
    private readonly effective: EffectivePolicyRepository,
    notifications: DatabaseNotifications,
  ) {
    this.states = new InvalidatedCache(notifications, { channel: 'vigil_policy_state', ttlMs: 60_000, maxEntries: 50_000 });
  }

  /**
   * forCluster from memory, for admission: every request needs it and it
   * changes rarely. Any change of the org's policies, clusters or group tree
   * drops the org's entries on every replica (a Postgres notification, so it
   * may trail a commit by milliseconds). Continuous verification reads
   * forCluster, which never trails: its jobs run right after the commit.
   */
  cachedForCluster(orgId: string, clusterId: string): Promise<ClusterPolicyState | null> {
    return this.states.get(`${orgId}:${clusterId}`, async () => {
      const state = await this.forCluster(orgId, clusterId);
      return state && { value: state, tags: [`org:${orgId}`] };
    });
  }

  /** After a commit that changed the org's policies: this replica's next admission sees it at once. */
  forgetOrg(orgId: string): void {
    this.states.forget(`org:${orgId}`);
  }

  /** Null when the cluster does not exist (or was retired). */
  async forCluster(orgId: string, clusterId: string): Promise<ClusterPolicyState | null> {
    const state = await this.effective.forCluster(orgId, clusterId);
    if (!state) return null;
    const missing = state.revisions.filter((r) => !this.compiled.get(r.policyId, r.revision));
    for (const stored of await this.effective.documents(orgId, missing)) this.compiled.compile(stored);
    const policies = state.revisions.flatMap((r): EffectivePolicy[] => {
      const policy = this.compiled.get(r.policyId, r.revision);
      return policy ? [{ policyId: r.policyId, revision: r.revision, policy }] : [];
    });
    return { noMatch: state.noMatch, token: policyStateToken(state.noMatch, state.revisions), policies };
  }

  /** One revision compiled (from the cache when it is there); null when it does not exist. */
  async revisionPolicy(orgId: string, policyId: string, revision: number): Promise<CompiledPolicy | null> {
    const hit = this.compiled.get(policyId, revision);
    if (hit) return hit;
    const [stored] = await this.effective.documents(orgId, [{ policyId, revision }]);
    return stored ? this.compiled.compile(stored) : null;
  }

  /** The policy state token alone (heartbeats). */
  async tokenFor(orgId: string, clusterId: string): Promise<string | null> {
    const state = await this.effective.forCluster(orgId, clusterId);
    return state ? policyStateToken(state.noMatch, state.revisions) : null;
  }
}
