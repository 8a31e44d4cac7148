import type { ImageReference } from '../glob/image-reference.parser';
import type { AdmissionObject, ImageFacts } from './evaluation.types';

/**
 * The `image` and `object` CEL variables. Absent strings become "" so
 * expressions such as `p.version.startsWith("1.")` never fail on a missing
 * field; JSON numbers inside predicates are CEL doubles (as in cel-go).
 */
export function imageBinding(facts: ImageFacts, reference: ImageReference | undefined): Record<string, unknown> {
  return {
    ref: facts.ref,
    digest: facts.digest,
    registry: reference?.registry ?? '',
    repository: reference?.repository ?? '',
    tag: reference?.tag ?? '',
    signatures: facts.signatures.map((s) => ({ keyFingerprint: s.keyFingerprint, tlog: s.tlog !== undefined })),
    attestations: facts.attestations.map((a) => ({
      predicateType: a.predicateType,
      predicate: a.predicate ?? null,
      keyFingerprint: a.keyFingerprint,
    })),
    sbom: {
      available: facts.sbom !== undefined,
      packages: (facts.sbom?.packages ?? []).map((p) => ({ name: p.name, version: p.version ?? '', purl: p.purl ?? '' })),
    },
    vulnerabilities: (facts.vulnerabilities ?? []).map((v) => ({
      id: v.id,
      aliases: [...(v.aliases ?? [])],
      severity: (v.severity ?? 'UNKNOWN').toUpperCase(),
      fixedVersion: v.fixedVersion ?? '',
      package: { name: v.package?.name ?? '', version: v.package?.version ?? '', purl: v.package?.purl ?? '' },
    })),
  };
}

export function objectBinding(object: AdmissionObject | undefined): Record<string, unknown> {
  return {
    kind: object?.kind ?? '',
    apiVersion: object?.apiVersion ?? '',
    namespace: object?.namespace ?? '',
    name: object?.name ?? '',
    labels: { ...(object?.labels ?? {}) },
  };
}
