import { Logger } from '@nestjs/common';
import { needsSupplyChain, supplyChainNeeds, type CompiledPolicy, type ImageSupplyChainFacts, type SupplyChainFacts } from '@vigil/policy-engine';

const logger = new Logger('AdmissionSupplyChain');

/**
 * The stored SBOM and vulnerability matches of one digest, when an applicable
 * policy reads them; never derived here (an SBOM takes the registry's whole
 * image). A digest without one is "not scanned yet" and its SBOM is queued, so
 * the apiserver's retry of a denied pod can be judged on it. Never throws: a
 * failed or late read is a `problem` (the verdict is then uncertain, not cached).
 */
export async function storedSupplyChainFacts(
  source: ImageSupplyChainFacts | undefined,
  orgId: string,
  applicable: readonly CompiledPolicy[],
  ref: string,
  digest: string,
  withinBudget: <T>(work: Promise<T>) => Promise<T>,
): Promise<{ facts?: SupplyChainFacts; problem?: string }> {
  const needs = supplyChainNeeds(applicable);
  if (!source || !needsSupplyChain(needs)) return {};
  try {
    const facts = (await withinBudget(source.factsFor(orgId, [digest], needs))).get(digest);
    if (!facts && source.requestSboms) {
      source.requestSboms(orgId, [{ digest, ref }]).catch((error) => logger.warn({ err: error, orgId, digest }, 'could not queue SBOM derivation'));
    }
    return facts ? { facts } : {};
  } catch (error) {
    return { problem: error instanceof Error ? error.message : String(error) };
  }
}
