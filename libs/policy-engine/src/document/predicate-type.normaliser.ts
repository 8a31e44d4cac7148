/**
 * policy-controller (via cosign) accepts these short names for attestation
 * predicate types; Vigil stores the full URI so facts compare directly.
 */
export const PREDICATE_TYPE_SHORT_NAMES: Readonly<Record<string, string>> = {
  custom: 'https://cosign.sigstore.dev/attestation/v1',
  slsaprovenance: 'https://slsa.dev/provenance/v0.2',
  slsaprovenance02: 'https://slsa.dev/provenance/v0.2',
  slsaprovenance1: 'https://slsa.dev/provenance/v1',
  link: 'https://in-toto.io/Link/v1',
  spdx: 'https://spdx.dev/Document',
  spdxjson: 'https://spdx.dev/Document',
  cyclonedx: 'https://cyclonedx.org/bom',
  vuln: 'https://cosign.sigstore.dev/attestation/vuln/v1',
  openvex: 'https://openvex.dev/ns',
};

export type PredicateTypeResult = { readonly ok: true; readonly uri: string } | { readonly ok: false; readonly message: string };

export function normalisePredicateType(value: string): PredicateTypeResult {
  const short = PREDICATE_TYPE_SHORT_NAMES[value];
  if (short) return { ok: true, uri: short };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return {
      ok: false,
      message: `"${value}" is neither a URI nor a known short name (${Object.keys(PREDICATE_TYPE_SHORT_NAMES).join(', ')})`,
    };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return { ok: false, message: `"${value}" must be an http(s) URI or a known short name` };
  }
  return { ok: true, uri: value };
}
