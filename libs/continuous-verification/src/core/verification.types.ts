import type { PolicyMode } from '@vigil/policy-engine';

export type Change = 'new' | 'degraded' | 'improved';
export type Resolution = 'passed' | 'stopped-running' | 'policy-removed';

export interface Workload {
  readonly namespace: string;
  readonly kind: string;
  readonly name: string;
}

/** What runs of one digest in one cluster now. */
export interface RunningImage {
  readonly digest: string;
  /** Every reference it runs under, sorted; the first names it in events. */
  readonly refs: readonly string[];
  readonly workloads: readonly Workload[];
  readonly lastSeen: Date;
  /** When it first ran in the cluster (of the observations running now). */
  readonly firstSeen?: Date;
}

/** One policy's fresh result for one digest (merged over its references: invalid under any wins). */
export interface FreshResult {
  readonly policyId: string;
  readonly policyName: string;
  readonly revision: number;
  readonly mode: PolicyMode;
  readonly imageRef: string;
  readonly valid: boolean;
  readonly diagnostic: string;
  readonly reasons: readonly string[];
}

/** The stored latest result of (cluster, digest, policy). */
export interface StoredEvaluation {
  readonly digest: string;
  readonly policyId: string;
  readonly generation: string;
  readonly policyName: string;
  readonly revision: number;
  readonly valid: boolean;
  readonly transitions: number;
}

export interface OpenViolation {
  readonly id: string;
  readonly digest: string;
  readonly policyId: string;
}

export interface EvaluationWrite extends FreshResult {
  readonly digest: string;
  readonly generation: string;
  readonly transitions: number;
  readonly changed: boolean;
}

export interface Transition {
  readonly digest: string;
  readonly policyId: string;
  readonly policyName: string;
  readonly revision: number;
  readonly valid: boolean;
  readonly diagnostic: string;
  readonly change: Change;
  readonly generation: string;
  /** 1-based count of this result's transitions: with the generation, the event id. */
  readonly transitionNo: number;
  readonly imageRef: string;
}

export interface ViolationOpening {
  readonly digest: string;
  readonly result: FreshResult;
  readonly workloads: readonly Workload[];
}

export interface VerificationPlan {
  readonly writes: EvaluationWrite[];
  /** (digest, policy) results that no longer exist (policy retired, moved, or its globs no longer match). */
  readonly removals: { digest: string; policyId: string }[];
  readonly transitions: Transition[];
  readonly opens: ViolationOpening[];
  readonly resolves: { id: string; resolution: Resolution }[];
}
