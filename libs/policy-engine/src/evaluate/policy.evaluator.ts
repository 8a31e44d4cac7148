import type { CompiledPolicy } from '../document/compiled-policy.types';
import { tryParseImageReference, type ImageReference } from '../glob/image-reference.parser';
import { evaluateAuthority } from './authority.evaluator';
import { imageBinding, objectBinding } from './cel-bindings';
import type { Decision, EvaluateInput, ImageFacts, PolicyResult } from './evaluation.types';
import { policyAppliesToObject } from './resource-match.matcher';
import { vulnerabilityRuleReason } from './vulnerability-rule.evaluator';

/** Does this policy apply to the image (its globs) and the object (its `spec.match`)? */
export function policyMatches(
  policy: CompiledPolicy,
  reference: ImageReference | undefined,
  written: string,
  object: EvaluateInput['object'],
): boolean {
  const imageMatches = reference
    ? policy.images.some((glob) => glob.matches(reference, written))
    : policy.images.some((glob) => glob.matches(written));
  return imageMatches && policyAppliesToObject(policy.match, object);
}

/**
 * The decision for one image (and admission object). Every matching policy
 * must hold (AND); within a policy one authority suffices (OR), then
 * `spec.policy` and `spec.vulnerabilities` must hold too. `mode: warn` turns a
 * failure into warnings. Pure and deterministic: policies are reported by
 * name (then revision), whatever order they come in.
 */
export function evaluate(input: EvaluateInput): Decision {
  const { image: facts, object, noMatch } = input;
  const reference = tryParseImageReference(facts.ref);
  const shown = displayImage(facts);
  const matching = input.policies.filter((policy) => policyMatches(policy, reference, facts.ref, object)).sort(byNameThenRevision);

  if (matching.length === 0) {
    const message = `image ${shown} matches no policy`;
    if (noMatch === 'deny') {
      return { allowed: false, warnings: [], reasons: [`${message} and this cluster denies unmatched images`], policies: [] };
    }
    return { allowed: true, warnings: noMatch === 'warn' ? [message] : [], reasons: [], policies: [] };
  }

  // Built at most once per decision, and only when a policy has CEL over it.
  let bindings: Record<string, unknown> | undefined;
  const celBindings = (): Record<string, unknown> =>
    (bindings ??= { image: imageBinding(facts, reference), object: objectBinding(object) });

  const results: PolicyResult[] = matching.map((policy) => evaluatePolicy(policy, facts, shown, celBindings));
  const reasons: string[] = [];
  const warnings: string[] = [];
  for (const result of results) {
    if (result.valid) continue;
    if (result.mode === 'warn') warnings.push(...result.reasons);
    else reasons.push(...result.reasons);
  }
  return { allowed: reasons.length === 0, warnings, reasons, policies: results };
}

function evaluatePolicy(
  policy: CompiledPolicy,
  facts: ImageFacts,
  shown: string,
  celBindings: () => Record<string, unknown>,
): PolicyResult {
  const reasons: string[] = [];
  if (policy.authorities.length > 0) {
    const failures: string[] = [];
    let satisfied = false;
    for (const authority of policy.authorities) {
      const outcome = evaluateAuthority(authority, facts, shown, policy.name);
      if (outcome.ok) {
        satisfied = true;
        break;
      }
      failures.push(...outcome.reasons);
    }
    if (!satisfied) reasons.push(...failures);
  }
  if (policy.policy) {
    const outcome = policy.policy.evaluate(celBindings());
    if (!outcome.ok) reasons.push(`image ${shown} fails spec.policy of policy '${policy.name}': ${outcome.diagnostic}`);
  }
  if (policy.vulnerabilities) {
    const reason = vulnerabilityRuleReason(policy.vulnerabilities, facts.vulnerabilities, shown, policy.name);
    if (reason) reasons.push(reason);
  }
  return {
    name: policy.name,
    ...(policy.revision !== undefined ? { revision: policy.revision } : {}),
    mode: policy.mode,
    valid: reasons.length === 0,
    diagnostic: reasons.join('; '),
    reasons,
  };
}

function byNameThenRevision(a: CompiledPolicy, b: CompiledPolicy): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : (a.revision ?? 0) - (b.revision ?? 0);
}

function displayImage(facts: ImageFacts): string {
  return facts.ref.includes('@') || !facts.digest ? facts.ref : `${facts.ref}@${facts.digest}`;
}
