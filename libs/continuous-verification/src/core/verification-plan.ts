import type {
  EvaluationWrite,
  FreshResult,
  OpenViolation,
  RunningImage,
  StoredEvaluation,
  Transition,
  VerificationPlan,
  ViolationOpening,
} from './verification.types';

export const NO_LONGER_APPLIES = 'the policy no longer applies to this image (retired, moved, or its images no longer match)';

export interface PlanInput {
  /** Digests this verification covers. */
  readonly digests: readonly string[];
  /** The ones running now (digests absent here stopped running in the cluster). */
  readonly running: ReadonlyMap<string, RunningImage>;
  /** Fresh results of running digests, by digest. */
  readonly fresh: ReadonlyMap<string, readonly FreshResult[]>;
  readonly stored: readonly StoredEvaluation[];
  readonly open: readonly OpenViolation[];
  /** New generation ids (random in production, fixed in tests). */
  readonly newGeneration: () => string;
}

/**
 * Pure: compares fresh results with the stored ones and decides what to
 * write, which transitions to announce (one per changed (digest, policy)
 * result) and which violations open or resolve. Violations follow state, not
 * transitions: open iff the image runs and fails the policy, so a failing
 * image that comes back reopens one even though its result never changed.
 */
export function planVerification(input: PlanInput): VerificationPlan {
  const stored = new Map(input.stored.map((s) => [key(s.digest, s.policyId), s]));
  const open = new Map(input.open.map((v) => [key(v.digest, v.policyId), v]));
  const plan: VerificationPlan = { writes: [], removals: [], transitions: [], opens: [], resolves: [] };

  for (const digest of input.digests) {
    const image = input.running.get(digest);
    if (!image) {
      // Stopped running everywhere in this cluster: its results stay (the latest known), its violations end.
      for (const v of input.open) if (v.digest === digest) plan.resolves.push({ id: v.id, resolution: 'stopped-running' });
      continue;
    }
    const fresh = input.fresh.get(digest) ?? [];
    const freshPolicies = new Set<string>();
    for (const result of fresh) {
      freshPolicies.add(result.policyId);
      const before = stored.get(key(digest, result.policyId));
      const change = !before ? 'new' : before.valid && !result.valid ? 'degraded' : !before.valid && result.valid ? 'improved' : null;
      const generation = before?.generation ?? input.newGeneration();
      const transitions = (before?.transitions ?? 0) + (change ? 1 : 0);
      plan.writes.push({ ...result, digest, generation, transitions, changed: change !== null });
      if (change) plan.transitions.push(transition(digest, result, change, generation, transitions));
      const violation = open.get(key(digest, result.policyId));
      if (!result.valid && !violation) plan.opens.push(opening(digest, result, image));
      if (result.valid && violation) plan.resolves.push({ id: violation.id, resolution: 'passed' });
    }
    for (const before of input.stored) {
      if (before.digest !== digest || freshPolicies.has(before.policyId)) continue;
      plan.removals.push({ digest, policyId: before.policyId });
      // A failing result that disappears is an improvement its subscribers must hear about.
      if (!before.valid) {
        plan.transitions.push({
          digest,
          policyId: before.policyId,
          policyName: before.policyName,
          revision: before.revision,
          valid: true,
          diagnostic: NO_LONGER_APPLIES,
          change: 'improved',
          generation: before.generation,
          transitionNo: before.transitions + 1,
          imageRef: image.refs[0],
        });
      }
      const violation = open.get(key(digest, before.policyId));
      if (violation) plan.resolves.push({ id: violation.id, resolution: 'policy-removed' });
    }
  }
  return plan;
}

function transition(digest: string, result: FreshResult, change: Transition['change'], generation: string, transitionNo: number): Transition {
  return {
    digest,
    policyId: result.policyId,
    policyName: result.policyName,
    revision: result.revision,
    valid: result.valid,
    diagnostic: result.diagnostic,
    change,
    generation,
    transitionNo,
    imageRef: result.imageRef,
  };
}

function opening(digest: string, result: FreshResult, image: RunningImage): ViolationOpening {
  return { digest, result, workloads: image.workloads };
}

function key(digest: string, policyId: string): string {
  return `${digest}|${policyId}`;
}

export type { EvaluationWrite };
