import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { clusterSource, EVENT_TYPES, EventPublisher } from '@vigil/events';
import { EffectivePoliciesService, type ClusterPolicyState } from '@vigil/policies';
import {
  evaluate,
  needsSupplyChain,
  policyMatches,
  supplyChainNeeds,
  tryParseImageReference,
  verificationKeys,
  type ImageFacts,
} from '@vigil/policy-engine';
import { Database } from '@vigil/shared/database';
import type { VerifyImagesJob } from '@vigil/shared/queue';
import { ImageFactsService } from '@vigil/verification';
import { imageSubject, transitionEventId, validationChangedData } from '../core/validation-event';
import { planVerification } from '../core/verification-plan';
import type { FreshResult, RunningImage } from '../core/verification.types';
import { EvaluationRepository } from '../repositories/evaluation.repository';
import { RunningImageRepository } from '../repositories/running-image.repository';
import { VerificationTargetRepository } from '../repositories/verification-target.repository';
import { ViolationRepository } from '../repositories/violation.repository';
import { IMAGE_SUPPLY_CHAIN_FACTS, UnknownSupplyChainFacts, type ImageSupplyChainFacts, type SupplyChainFacts } from '../supply-chain/image-supply-chain-facts';
import { ResponseActionService } from './response-action.service';

export interface VerifyOutcome {
  verified: number;
  transitions: number;
  opened: number;
  resolved: number;
  actions: number;
  failed: number;
}

/** Registry rounds one job runs at once. */
const FACT_CONCURRENCY = 8;

/**
 * How long a newly running digest waits for its SBOM (queued when it was first
 * observed) before policies that read vulnerabilities or packages judge it
 * "not scanned yet": meanwhile it is a failure retried with backoff (and
 * re-verified at once when the SBOM lands), not a violation whose reasons
 * would say "not scanned" for as long as it stays open.
 */
export const SBOM_GRACE_MS = 10 * 60_000;

/** Facts could not be gathered: the image is retried later, not reported as violating. */
class FactsUnavailable extends Error {}

/**
 * One verify job: the due digests of one cluster against the cluster's
 * effective policy revisions. Facts are gathered outside the transaction;
 * then, in one transaction under the targets' row locks, results are
 * compared and written, violations opened/resolved, one event published per
 * result transition, response actions queued, and the targets cleared.
 * Idempotent: a retry finds nothing changed and emits nothing.
 */
@Injectable()
export class VerifyService {
  private readonly logger = new Logger('VerifyService');
  private readonly supplyChain: ImageSupplyChainFacts;

  constructor(
    private readonly database: Database,
    private readonly targets: VerificationTargetRepository,
    private readonly running: RunningImageRepository,
    private readonly evaluations: EvaluationRepository,
    private readonly violations: ViolationRepository,
    private readonly policies: EffectivePoliciesService,
    private readonly facts: ImageFactsService,
    private readonly publisher: EventPublisher,
    private readonly actions: ResponseActionService,
    @Optional() @Inject(IMAGE_SUPPLY_CHAIN_FACTS) supplyChain?: ImageSupplyChainFacts,
  ) {
    this.supplyChain = supplyChain ?? new UnknownSupplyChainFacts();
  }

  async verifyImages(job: VerifyImagesJob): Promise<VerifyOutcome> {
    const { orgId, clusterId } = job;
    const outcome: VerifyOutcome = { verified: 0, transitions: 0, opened: 0, resolved: 0, actions: 0, failed: 0 };
    // The reads share one transaction: a job is a few round trips, not a few transactions.
    const read = await this.database.forOrg(orgId, async () => {
      // Marks made after this instant (a newer trigger) survive this job.
      const startedAt = await this.targets.clock(orgId);
      const digests = await this.targets.outstanding(orgId, clusterId, job.digests);
      if (digests.length === 0) return null;
      const cluster = await this.running.cluster(orgId, clusterId);
      const state = cluster?.live ? await this.policies.forCluster(orgId, clusterId) : null;
      if (!cluster || !state) {
        await this.targets.clear(orgId, clusterId, digests);
        return null;
      }
      return { startedAt, digests, cluster, state, running: await this.running.runningIn(orgId, clusterId, digests) };
    });
    if (!read) return outcome;
    const { startedAt, digests, cluster, state, running } = read;
    // Stored SBOM and matches only, and only when some policy of the cluster reads them.
    const needs = supplyChainNeeds(state.policies.map((p) => p.policy));
    const supply = running.size > 0 && needsSupplyChain(needs) ? await this.supplyChain.factsFor(orgId, [...running.keys()], needs) : new Map<string, SupplyChainFacts>();

    const fresh = new Map<string, FreshResult[]>();
    const failures = new Map<string, string[]>();
    await forEachLimit([...running.values()], FACT_CONCURRENCY, async (image) => {
      try {
        fresh.set(image.digest, await this.evaluateImage(orgId, state, image, supply.get(image.digest)));
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (!(error instanceof FactsUnavailable)) this.logger.warn({ err: error, orgId, clusterId, digest: image.digest }, 'evaluation failed');
        failures.set(message, [...(failures.get(message) ?? []), image.digest]);
      }
    });
    const failed = new Set([...failures.values()].flat());
    const done = digests.filter((d) => !failed.has(d));

    if (done.length > 0) {
      const checkedAt = new Date();
      await this.database.forOrg(orgId, async () => {
        await this.targets.lock(orgId, clusterId, done);
        const stored = await this.evaluations.forDigests(orgId, clusterId, done);
        const open = await this.violations.openFor(orgId, clusterId, done);
        const plan = planVerification({ digests: done, running, fresh, stored, open, newGeneration: randomUUID });
        await this.evaluations.write(orgId, clusterId, plan.writes, plan.removals, checkedAt);
        await this.violations.resolve(orgId, plan.resolves, checkedAt);
        const opened = await this.violations.open(orgId, clusterId, cluster.groupId, plan.opens, checkedAt);
        await this.publisher.publishMany(
          orgId,
          plan.transitions.map((t) => ({
            id: transitionEventId(orgId, clusterId, t),
            type: EVENT_TYPES.validationChanged,
            groupId: cluster.groupId,
            source: clusterSource(orgId, clusterId),
            subject: imageSubject(t.imageRef, t.digest),
            time: checkedAt,
            data: validationChangedData(clusterId, running.get(t.digest)!, t, checkedAt),
          })),
        );
        outcome.actions = await this.actions.violationsOpened(orgId, clusterId, state, opened);
        await this.targets.markVerified(orgId, clusterId, done, startedAt, state.token);
        outcome.verified = done.length;
        outcome.transitions = plan.transitions.length;
        outcome.opened = opened.length;
        outcome.resolved = plan.resolves.length;
      });
    }
    for (const [message, failedDigests] of failures) await this.targets.recordFailure(orgId, clusterId, failedDigests, message, startedAt);
    outcome.failed = failed.size;
    return outcome;
  }

  /** A job out of attempts: its digests show as failures in the API and are due again later. */
  async recordJobFailure(job: VerifyImagesJob, error: unknown): Promise<void> {
    const message = `verification failed after its last attempt: ${error instanceof Error ? error.message : String(error)}`;
    await this.targets.recordFailure(job.orgId, job.clusterId, job.digests, message);
  }

  /**
   * Every applicable policy's result for one running digest. A digest running
   * under several references is evaluated per reference; a policy failing
   * under any of them fails.
   */
  private async evaluateImage(orgId: string, state: ClusterPolicyState, image: RunningImage, supply: SupplyChainFacts | undefined): Promise<FreshResult[]> {
    const policies = state.policies.map((p) => p.policy);
    const results = new Map<string, FreshResult>();
    for (const ref of image.refs) {
      const reference = tryParseImageReference(ref);
      // Continuous verification has no admission object, so policies narrowed by spec.match are left to admission.
      const applicable = policies.filter((p) => policyMatches(p, reference, ref, undefined));
      if (applicable.length === 0) continue;
      let facts: ImageFacts = { ref, digest: image.digest, signatures: [], attestations: [], ...supply };
      const keys = verificationKeys(applicable);
      let problem: string | undefined;
      if (keys.length > 0 && reference) {
        const gathered = await this.facts.gather(orgId, reference, ref, image.digest, keys);
        facts = { ...gathered.facts, ...supply };
        problem = gathered.problem;
      }
      const decision = evaluate({ policies: applicable, image: facts, noMatch: state.noMatch });
      // A registry outage is not a violation: fail only on facts we could read.
      if (problem && decision.policies.some((r) => !r.valid)) throw new FactsUnavailable(problem);
      if (!supply && this.awaitingSbom(image) && needsSupplyChain(supplyChainNeeds(applicable)) && decision.policies.some((r) => !r.valid)) {
        throw new FactsUnavailable(`waiting for the SBOM of ${image.digest} (first seen ${image.firstSeen!.toISOString()}); policies that read vulnerabilities or SBOM packages judge it once it is derived`);
      }
      for (const r of decision.policies) {
        const effective = state.policies.find((p) => p.policy.name === r.name && p.revision === r.revision);
        if (!effective) continue;
        const before = results.get(effective.policyId);
        if (before && (!before.valid || r.valid)) continue;
        results.set(effective.policyId, {
          policyId: effective.policyId,
          policyName: r.name,
          revision: effective.revision,
          mode: r.mode,
          imageRef: ref,
          valid: r.valid,
          diagnostic: r.diagnostic,
          reasons: [...r.reasons],
        });
      }
    }
    return [...results.values()];
  }

  private awaitingSbom(image: RunningImage): boolean {
    return image.firstSeen !== undefined && Date.now() - image.firstSeen.getTime() < SBOM_GRACE_MS;
  }
}

async function forEachLimit<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]);
  });
  await Promise.all(lanes);
}
