import { PROTOCOL_LIMITS, type AdmissionResponse, type ImageDecision } from '@vigil/agent-protocol';
import type { CompiledPolicy, ImageReference } from '@vigil/policy-engine';

/** How long the agent may reuse a per-image verdict (protocol: 0 = do not cache). */
export const CACHE_TTL = {
  /** Pinned digest that passed cleanly: only a policy change (new token) alters it. */
  pinnedClean: 300,
  /** A tag that passed: tags move, so the agent asks again soon. */
  tagClean: 30,
  /** Denied or warned: a signature or attestation pushed now should count within seconds. */
  unclean: 10,
} as const;

export interface ImageVerdict {
  readonly ref: string;
  readonly digest?: string;
  readonly allowed: boolean;
  readonly warnings: readonly string[];
  readonly reasons: readonly string[];
  readonly cacheTtlSeconds: number;
}

/**
 * Whether a verdict for this image could differ for another object with the
 * same image: the agent caches by image reference, so such verdicts must not
 * be cached. True when a policy whose globs match has `spec.match`, or a
 * `spec.policy` expression that reads `object`.
 */
export function dependsOnObject(policies: readonly CompiledPolicy[], reference: ImageReference | undefined, ref: string): boolean {
  return policies.some(
    (p) =>
      (reference ? p.images.some((g) => g.matches(reference, ref)) : p.images.some((g) => g.matches(ref))) &&
      (p.match.length > 0 || (p.policy !== undefined && /\bobject\b/.test(p.policy.expression))),
  );
}

export function cacheTtlFor(verdict: { allowed: boolean; warnings: readonly string[]; pinned: boolean; uncertain: boolean; objectDependent: boolean }): number {
  if (verdict.uncertain || verdict.objectDependent) return 0;
  if (!verdict.allowed || verdict.warnings.length > 0) return CACHE_TTL.unclean;
  return verdict.pinned ? CACHE_TTL.pinnedClean : CACHE_TTL.tagClean;
}

/** Protocol bounds: at most 100 messages of at most 4096 characters each, no duplicates. */
export function boundedMessages(messages: Iterable<string>): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const message of messages) {
    if (seen.has(message) || message.length === 0) continue;
    seen.add(message);
    if (out.length === PROTOCOL_LIMITS.maxMessages - 1) {
      out.push('(more messages were left out)');
      break;
    }
    out.push(message.length > PROTOCOL_LIMITS.maxMessageLength ? `${message.slice(0, PROTOCOL_LIMITS.maxMessageLength - 1)}…` : message);
  }
  return out;
}

/** The whole answer: allowed only if every image is. */
export function admissionAnswer(verdicts: readonly ImageVerdict[], policyStateToken: string): AdmissionResponse {
  const decisions: ImageDecision[] = verdicts.map((v) => ({
    image: v.ref,
    ...(v.digest ? { digest: v.digest } : {}),
    allowed: v.allowed,
    warnings: boundedMessages(v.warnings),
    reasons: boundedMessages(v.reasons),
    cacheTtlSeconds: v.cacheTtlSeconds,
  }));
  return {
    allowed: verdicts.every((v) => v.allowed),
    warnings: boundedMessages(verdicts.flatMap((v) => v.warnings)),
    reasons: boundedMessages(verdicts.flatMap((v) => v.reasons)),
    policyStateToken,
    decisions,
  };
}
