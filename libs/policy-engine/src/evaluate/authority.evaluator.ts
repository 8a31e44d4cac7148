import type { CompiledAttestation, KeyAuthority, CompiledAuthority } from '../document/compiled-policy.types';
import type { AttestationFact, ImageFacts, SignatureFact, TlogFact } from './evaluation.types';

export type AuthorityOutcome = { readonly ok: true } | { readonly ok: false; readonly reasons: readonly string[] };

const OK: AuthorityOutcome = { ok: true };

/**
 * One authority of one policy. A key authority without attestations needs a
 * signature verified by its key; with attestations it needs every one of them
 * (policy-controller checks attestations instead of signatures then).
 */
export function evaluateAuthority(
  authority: CompiledAuthority,
  facts: ImageFacts,
  image: string,
  policyName: string,
): AuthorityOutcome {
  const where = `authority '${authority.name}' of policy '${policyName}'`;
  if (authority.type === 'static') {
    if (authority.action === 'pass') return OK;
    const message = authority.message ? `: ${authority.message}` : '';
    return { ok: false, reasons: [`image ${image} is refused by static fail (${where})${message}`] };
  }
  if (authority.attestations.length === 0) {
    if (facts.signatures.some((s) => signatureCounts(authority, s))) return OK;
    return { ok: false, reasons: [`image ${image} has no signature verified by key '${authority.key.label}'${tlogNote(authority)} (${where})`] };
  }
  const reasons: string[] = [];
  for (const wanted of authority.attestations) {
    const reason = attestationReason(authority, wanted, facts.attestations, image, where);
    if (reason) reasons.push(reason);
  }
  return reasons.length === 0 ? OK : { ok: false, reasons };
}

function attestationReason(
  authority: KeyAuthority,
  wanted: CompiledAttestation,
  attestations: readonly AttestationFact[],
  image: string,
  where: string,
): string | undefined {
  const candidates = attestations.filter(
    (a) =>
      a.predicateType === wanted.predicateType &&
      a.keyFingerprint === authority.key.fingerprint &&
      tlogSatisfied(authority, a.tlog),
  );
  if (candidates.length === 0) {
    return (
      `image ${image} has no ${wanted.predicateType} attestation verified by key '${authority.key.label}'` +
      `${tlogNote(authority)} (attestation '${wanted.name}' of ${where})`
    );
  }
  if (!wanted.policy) return undefined;
  let firstFailure = '';
  for (const candidate of candidates) {
    const outcome = wanted.policy.evaluate({ predicate: candidate.predicate ?? null, statement: candidate.statement ?? null });
    if (outcome.ok) return undefined;
    firstFailure ||= outcome.diagnostic;
  }
  return `image ${image}: no ${wanted.predicateType} attestation satisfies attestation '${wanted.name}' of ${where}: ${firstFailure}`;
}

function signatureCounts(authority: KeyAuthority, signature: SignatureFact): boolean {
  return (
    signature.keyFingerprint === authority.key.fingerprint &&
    (signature.hashAlgorithm === undefined || signature.hashAlgorithm === authority.key.hashAlgorithm) &&
    tlogSatisfied(authority, signature.tlog)
  );
}

/** With `ctlog`, the verifier must have checked log inclusion (against that log, when both name it). */
function tlogSatisfied(authority: KeyAuthority, tlog: TlogFact | undefined): boolean {
  if (!authority.ctlog) return true;
  if (!tlog) return false;
  const wanted = authority.ctlog.url;
  return wanted === undefined || tlog.url === undefined || stripSlash(wanted) === stripSlash(tlog.url);
}

function tlogNote(authority: KeyAuthority): string {
  if (!authority.ctlog) return '';
  return authority.ctlog.url ? ` with a transparency-log entry in ${authority.ctlog.url}` : ' with a transparency-log entry';
}

function stripSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
