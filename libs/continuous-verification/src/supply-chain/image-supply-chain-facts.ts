import type { ImageSupplyChainFacts, SupplyChainFacts } from '@vigil/policy-engine';

// The token and its interface live in @vigil/policy-engine: admission (libs/verification)
// uses them too, and verification cannot import this context (this one imports it).
export { IMAGE_SUPPLY_CHAIN_FACTS, type ImageSupplyChainFacts, type SupplyChainFacts } from '@vigil/policy-engine';

/** The default when no images context is loaded: nothing known about any digest. */
export class UnknownSupplyChainFacts implements ImageSupplyChainFacts {
  async factsFor(): Promise<ReadonlyMap<string, SupplyChainFacts>> {
    return new Map();
  }
}
