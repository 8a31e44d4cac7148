import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { clusterSource, EVENT_TYPES, EventPublisher, type PublishEvent } from '@vigil/events';
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
import type { VerifyImagesJob, VerifyTargetsJob } from '@vigil/shared/queue';
import { ImageFactsService } from '@vigil/verification';
import { imageSubject, transitionEventId, validationChangedData } from '../core/validation-event';
import { planVerification } from '../core/verification-plan';
import type { EvaluationWrite, FreshResult, Resolution, RunningImage, ViolationOpening } from '../core/verification.types';
import { EvaluationRepository } from '../repositories/evaluation.repository';
import { RunningImageRepository } from '../repositories/running-image.repository';
import { VerificationTargetRepository, type OutstandingTarget } from '../repositories/verification-target.repository';
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
 * One verify job: due (cluster, digest) targets of one org against each
 * cluster's effective policy revisions. Facts are gathered outside the transaction;
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

  /** A chunk of one cluster's digests (jobs queued before `verify.targets`): the same path. */
  verifyImages(job: VerifyImagesJob): Promise<VerifyOutcome> {
    return this.verifyTargets({ orgId: job.orgId, targets: [{ clusterId: job.clusterId, digests: job.digests }] });
  }

  /**
   * (cluster, digest) targets of one org across clusters, in two transactions
   * whatever their number of clusters: one read (due targets, clusters,
   * effective policies once per distinct group and no-match behaviour, what
   * runs), then facts and evaluations outside any transaction (once per
   * policy state × digest × references: a digest running in a thousand
   * clusters of one group is evaluated once), then one write under the
   * targets' row locks (results, violations, one `publishMany` for every
   * transition, response actions, targets cleared).
   */
  async verifyTargets(job: VerifyTargetsJob): Promise<VerifyOutcome> {
    const { orgId } = job;
    const outcome: VerifyOutcome = { verified: 0, transitions: 0, opened: 0, resolved: 0, actions: 0, failed: 0 };
    const pairs = job.targets.flatMap((t) => t.digests.map((digest) => ({ clusterId: t.clusterId, digest })));
    const read = await this.database.forOrg(orgId, async () => {
      // Marks made after this instant (a newer trigger) survive this job.
      const startedAt = await this.targets.clock(orgId);
      const outstanding = await this.targets.outstandingPairs(orgId, pairs);
      if (outstanding.length === 0) return null;
      const clusters = await this.running.clusters(orgId, [...new Set(outstanding.map((t) => t.clusterId))]);
      const states = new Map<string, ClusterPolicyState>();
      const byScope = new Map<string, ClusterPolicyState | null>();
      for (const cluster of clusters.values()) {
        if (!cluster.live) continue;
        // Effective policies are those of the group and its ancestors, plus the cluster's no-match behaviour.
        const scope = `${cluster.groupId}|${cluster.noMatch}`;
        if (!byScope.has(scope)) byScope.set(scope, await this.policies.forCluster(orgId, cluster.id));
        const state = byScope.get(scope);
        if (state) states.set(cluster.id, state);
      }
      const gone = outstanding.filter((t) => !states.has(t.clusterId));
      if (gone.length > 0) await this.targets.clearPairs(orgId, gone);
      const live = outstanding.filter((t) => states.has(t.clusterId));
      if (live.length === 0) return null;
      return { startedAt, live, clusters, states, running: await this.running.runningInPairs(orgId, live) };
    });
    if (!read) return outcome;
    const { startedAt, live, clusters, states, running } = read;

    // Stored SBOM and matches only, and only when some policy of some cluster reads them.
    const needs = supplyChainNeeds([...new Set(states.values())].flatMap((s) => s.policies.map((p) => p.policy)));
    const runningDigests = [...new Set([...running.values()].flatMap((images) => [...images.keys()]))];
    const supply =
      runningDigests.length > 0 && needsSupplyChain(needs) ? await this.supplyChain.factsFor(orgId, runningDigests, needs) : new Map<string, SupplyChainFacts>();

    const evaluations = new Map<string, Promise<FreshResult[]>>();
    const fresh = new Map<string, FreshResult[]>();
    const failures = new Map<string, OutstandingTarget[]>();
    const evaluable = live.filter((t) => running.get(t.clusterId)?.has(t.digest));
    await forEachLimit(evaluable, FACT_CONCURRENCY, async (target) => {
      const state = states.get(target.clusterId)!;
      const image = running.get(target.clusterId)!.get(target.digest)!;
      const key = `${state.token}|${image.digest}|${image.refs.join(',')}|${this.awaitingSbom(image)}`;
      let evaluation = evaluations.get(key);
      if (!evaluation) {
        evaluation = this.evaluateImage(orgId, state, image, supply.get(image.digest));
        evaluations.set(key, evaluation);
      }
      try {
        fresh.set(pairKey(target.clusterId, target.digest), await evaluation);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (!(error instanceof FactsUnavailable)) this.logger.warn({ err: error, orgId, clusterId: target.clusterId, digest: image.digest }, 'evaluation failed');
        failures.set(message, [...(failures.get(message) ?? []), target]);
      }
    });
    const failed = new Set([...failures.values()].flat());
    const done = live.filter((t) => !failed.has(t));

    if (done.length > 0) {
      const checkedAt = new Date();
      await this.database.forOrg(orgId, async () => {
        await this.targets.lockPairs(orgId, done);
        const stored = groupByCluster(await this.evaluations.forPairs(orgId, done));
        const open = groupByCluster(await this.violations.openForPairs(orgId, done));
        const writes: (EvaluationWrite & { clusterId: string })[] = [];
        const removals: { clusterId: string; digest: string; policyId: string }[] = [];
        const resolves: { id: string; resolution: Resolution }[] = [];
        const openings: (ViolationOpening & { clusterId: string; groupId: string })[] = [];
        const events: PublishEvent[] = [];
        for (const [clusterId, targets] of groupByCluster(done)) {
          const cluster = clusters.get(clusterId)!;
          const images = running.get(clusterId) ?? new Map<string, RunningImage>();
          const digests = targets.map((t) => t.digest);
          const plan = planVerification({
            digests,
            running: images,
            fresh: new Map(digests.map((d) => [d, fresh.get(pairKey(clusterId, d)) ?? []])),
            stored: stored.get(clusterId) ?? [],
            open: open.get(clusterId) ?? [],
            newGeneration: randomUUID,
          });
          writes.push(...plan.writes.map((w) => ({ ...w, clusterId })));
          removals.push(...plan.removals.map((r) => ({ ...r, clusterId })));
          resolves.push(...plan.resolves);
          openings.push(...plan.opens.map((o) => ({ ...o, clusterId, groupId: cluster.groupId })));
          for (const t of plan.transitions) {
            events.push({
              id: transitionEventId(orgId, clusterId, t),
              type: EVENT_TYPES.validationChanged,
              groupId: cluster.groupId,
              source: clusterSource(orgId, clusterId),
              subject: imageSubject(t.imageRef, t.digest),
              time: checkedAt,
              data: validationChangedData(clusterId, images.get(t.digest)!, t, checkedAt),
            });
          }
        }
        await this.evaluations.writeMany(orgId, writes, removals, checkedAt);
        await this.violations.resolve(orgId, resolves, checkedAt);
        const opened = await this.violations.openMany(orgId, openings, checkedAt);
        await this.publisher.publishMany(orgId, events);
        for (const [clusterId, ofCluster] of groupByCluster(opened)) {
          outcome.actions += await this.actions.violationsOpened(orgId, clusterId, states.get(clusterId)!, ofCluster);
        }
        await this.targets.markVerifiedPairs(
          orgId,
          done.map((t) => ({ ...t, token: states.get(t.clusterId)!.token })),
          startedAt,
        );
        outcome.verified = done.length;
        outcome.transitions = events.length;
        outcome.opened = opened.length;
        outcome.resolved = resolves.length;
      });
    }
    for (const [message, targets] of failures) {
      for (const [clusterId, ofCluster] of groupByCluster(targets)) {
        await this.targets.recordFailure(
          orgId,
          clusterId,
          ofCluster.map((t) => t.digest),
          message,
          startedAt,
        );
      }
    }
    outcome.failed = failed.size;
    return outcome;
  }

  /** A job out of attempts: its digests show as failures in the API and are due again later. */
  async recordJobFailure(job: VerifyImagesJob | VerifyTargetsJob, error: unknown): Promise<void> {
    const message = `verification failed after its last attempt: ${error instanceof Error ? error.message : String(error)}`;
    const targets = 'targets' in job ? job.targets : [{ clusterId: job.clusterId, digests: job.digests }];
    for (const t of targets) await this.targets.recordFailure(job.orgId, t.clusterId, t.digests, message);
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

function pairKey(clusterId: string, digest: string): string {
  return `${clusterId}|${digest}`;
}

function groupByCluster<T extends { clusterId: string }>(items: readonly T[]): Map<string, T[]> {
  const byCluster = new Map<string, T[]>();
  for (const item of items) {
    const list = byCluster.get(item.clusterId) ?? [];
    list.push(item);
    byCluster.set(item.clusterId, list);
  }
  return byCluster;
}

async function forEachLimit<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]);
  });
  await Promise.all(lanes);
}
