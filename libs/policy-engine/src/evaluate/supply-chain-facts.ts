import type { CompiledPolicy } from '../document/compiled-policy.types';
import type { SbomPackageFact, VulnerabilityFact } from './evaluation.types';

/** What the SBOM and advisory contexts know about one digest; absent fields mean "not known yet". */
export interface SupplyChainFacts {
  readonly sbom?: { readonly packages: readonly SbomPackageFact[] };
  readonly vulnerabilities?: readonly VulnerabilityFact[];
}

/** Which supply-chain facts a set of policies reads (loading SBOM packages is the costly part). */
export interface SupplyChainNeeds {
  readonly vulnerabilities: boolean;
  readonly packages: boolean;
}

/**
 * SBOM packages and vulnerability matches per digest, from what is stored
 * (never derived on the caller's time). Defined here, below every context,
 * because admission (verification) and continuous verification both evaluate
 * with it and the images context provides it: a token in any of them would be
 * an import cycle.
 */
export interface ImageSupplyChainFacts {
  factsFor(orgId: string, digests: readonly string[], needs?: SupplyChainNeeds): Promise<ReadonlyMap<string, SupplyChainFacts>>;
  /** Asks for the SBOMs of digests that have none yet; queues the work and returns (never derives inline). */
  requestSboms?(orgId: string, images: readonly { digest: string; ref: string }[]): Promise<void>;
}

/** The Nest injection token of `ImageSupplyChainFacts` (a plain symbol: this lib stays free of Nest). */
export const IMAGE_SUPPLY_CHAIN_FACTS = Symbol('IMAGE_SUPPLY_CHAIN_FACTS');

/**
 * Conservative: a CEL expression that mentions `sbom` or `vulnerabilities`
 * anywhere counts as reading them (a false positive only costs a query).
 */
export function supplyChainNeeds(policies: readonly CompiledPolicy[]): SupplyChainNeeds {
  let vulnerabilities = false;
  let packages = false;
  for (const p of policies) {
    const expression = p.policy?.expression ?? '';
    if (p.vulnerabilities || /\bvulnerabilities\b/.test(expression)) vulnerabilities = true;
    if (/\bsbom\b/.test(expression)) packages = true;
  }
  return { vulnerabilities, packages };
}

export function needsSupplyChain(needs: SupplyChainNeeds): boolean {
  return needs.vulnerabilities || needs.packages;
}
