import type { SbomPackageFact, VulnerabilityFact } from '@vigil/policy-engine';

/** What the SBOM and advisory contexts know about one digest; absent fields mean "not known yet". */
export interface SupplyChainFacts {
  readonly sbom?: { readonly packages: readonly SbomPackageFact[] };
  readonly vulnerabilities?: readonly VulnerabilityFact[];
}

/**
 * SBOM packages and vulnerability matches per digest, for evaluation. The
 * images/advisories contexts provide it (a global provider of this token);
 * until they do, nothing is known and `spec.vulnerabilities` fails "not
 * scanned yet", exactly as at admission.
 */
export interface ImageSupplyChainFacts {
  factsFor(orgId: string, digests: readonly string[]): Promise<ReadonlyMap<string, SupplyChainFacts>>;
}

export const IMAGE_SUPPLY_CHAIN_FACTS = Symbol('IMAGE_SUPPLY_CHAIN_FACTS');

/** The default: nothing known about any digest. */
export class UnknownSupplyChainFacts implements ImageSupplyChainFacts {
  async factsFor(): Promise<ReadonlyMap<string, SupplyChainFacts>> {
    return new Map();
  }
}
