import { Inject, Injectable, Logger, NotFoundException, Optional, UnauthorizedException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { AdmissionImage, AdmissionRequest, AdmissionResponse } from '@vigil/agent-protocol';
import { AGENT_SIGNATURE_REFUSED, ClusterRepository, type AgentNonce, type AgentPrincipal } from '@vigil/clusters';
import { clusterSource, EVENT_TYPES, EventPublisher } from '@vigil/events';
import { EffectivePoliciesService, type ClusterPolicyState } from '@vigil/policies';
import {
  evaluate,
  IMAGE_SUPPLY_CHAIN_FACTS,
  policyMatches,
  tryParseImageReference,
  verificationKeys,
  type AdmissionObject,
  type Decision,
  type ImageFacts,
  type ImageSupplyChainFacts,
} from '@vigil/policy-engine';
import type { StoredImageDecision } from '../entities';
import { describeRegistryError, ImageFactsService, NEGATIVE_MAX_AGE_MS, type GatheredFacts } from '../facts/image-facts.service';
import { AdmissionDecisionRecorder } from './admission-decision.recorder';
import { admissionAnswer, cacheTtlFor, dependsOnObject, type ImageVerdict } from './admission-answer';
import { storedSupplyChainFacts } from './admission-supply-chain';

/**
 * Registry work an admission may wait for. The agent's own deadline is 2.5 s
 * by default; past this budget the image is judged on what is known and the
 * verification carries on in the background, so the apiserver's retry finds
 * it cached.
 */
export const ADMISSION_BUDGET_MS = 2_000;

interface ImageOutcome extends ImageVerdict {
  readonly decision: Decision;
}

/** Decides admission requests from agents: resolve, verify (cached), evaluate, record, answer. */
@Injectable()
export class AdmissionService {
  private readonly authLogger = new Logger('AgentAuthGuard');

  constructor(
    private readonly policies: EffectivePoliciesService,
    private readonly facts: ImageFactsService,
    private readonly recorder: AdmissionDecisionRecorder,
    private readonly clusters: ClusterRepository,
    private readonly publisher: EventPublisher,
    // Stored SBOM and vulnerability matches (the images context); without it they are "not scanned yet".
    @Optional() @Inject(IMAGE_SUPPLY_CHAIN_FACTS) private readonly supplyChain?: ImageSupplyChainFacts,
  ) {}

  /**
   * `nonce` is the request's, not yet remembered (AgentSignatureGuard): it is
   * remembered in the decision's commit, and a replay is refused there.
   */
  async decide(agent: AgentPrincipal, request: AdmissionRequest, nonce: AgentNonce): Promise<AdmissionResponse> {
    const state = await this.policies.cachedForCluster(agent.orgId, agent.clusterId);
    if (!state) throw new NotFoundException('cluster not found');
    const deadline = Date.now() + ADMISSION_BUDGET_MS;
    const object: AdmissionObject = {
      kind: request.kind,
      namespace: request.namespace,
      name: request.name || request.generateName || '',
      labels: request.labels,
    };
    const refs = [...new Set(request.images.map((i) => i.ref))];
    const outcomes = new Map<string, ImageOutcome>();
    await Promise.all(refs.map(async (ref) => outcomes.set(ref, await this.decideImage(agent.orgId, state, object, ref, deadline))));
    const verdicts = refs.map((ref) => outcomes.get(ref)!);
    const answer = admissionAnswer(verdicts, state.token);

    // Committed before the agent hears the answer (nothing accepted is lost);
    // a denial or warning is also a dev.vigil.admission.v1 event, in the same transaction.
    const id = randomUUID();
    const outcome = !answer.allowed ? 'denied' : answer.warnings.length > 0 ? 'warned' : 'allowed';
    const recorded = await this.recorder.record({
      nonce,
      decision: {
        id,
        orgId: agent.orgId,
        clusterId: agent.clusterId,
        requestUid: request.uid,
        kind: request.kind,
        namespace: request.namespace,
        name: object.name,
        operation: request.operation,
        owner: request.owner ?? null,
        admissionUser: request.user ?? null,
        labels: request.labels,
        outcome,
        warnings: answer.warnings,
        reasons: answer.reasons,
        images: request.images.map((image) => storedImage(image, outcomes.get(image.ref)!, state)),
        policyStateToken: state.token,
        decidedAt: new Date(),
        publishedAt: outcome === 'allowed' ? null : new Date(),
      },
      alsoInTransaction: outcome === 'allowed' ? undefined : () => this.emitDecision(id, agent, request, object.name, outcome, answer, outcomes),
    });
    if (recorded === 'replayed') {
      this.authLogger.warn('agent request refused: replayed_nonce');
      throw new UnauthorizedException(AGENT_SIGNATURE_REFUSED);
    }
    return answer;
  }

  private async emitDecision(
    id: string,
    agent: AgentPrincipal,
    request: AdmissionRequest,
    name: string,
    outcome: 'denied' | 'warned',
    answer: AdmissionResponse,
    outcomes: Map<string, ImageOutcome>,
  ): Promise<void> {
    const cluster = await this.clusters.findLive(agent.orgId, agent.clusterId);
    if (!cluster) return;
    await this.publisher.publish(agent.orgId, {
      id, // the decision's id: one event per decision, whatever retries happen
      type: EVENT_TYPES.admission,
      groupId: cluster.groupId,
      source: clusterSource(agent.orgId, agent.clusterId),
      subject: `${request.namespace}/${request.kind}/${name}`,
      data: {
        clusterId: agent.clusterId,
        request: {
          uid: request.uid,
          kind: request.kind,
          namespace: request.namespace,
          name,
          operation: request.operation,
          user: request.user ?? null,
          images: request.images.map((image) => ({ container: image.container, ref: image.ref, digest: outcomes.get(image.ref)?.digest ?? null })),
        },
        decision: outcome,
        allowed: answer.allowed,
        warnings: answer.warnings,
        reasons: answer.reasons,
      },
    });
  }

  private async decideImage(orgId: string, state: ClusterPolicyState, object: AdmissionObject, ref: string, deadline: number): Promise<ImageOutcome> {
    const policies = state.policies.map((p) => p.policy);
    const reference = tryParseImageReference(ref);
    if (!reference) {
      const reason = `image reference '${ref}' is not valid`;
      return { ref, allowed: false, warnings: [], reasons: [reason], cacheTtlSeconds: 0, decision: { allowed: false, warnings: [], reasons: [reason], policies: [] } };
    }
    const applicable = policies.filter((p) => policyMatches(p, reference, ref, object));
    let digest = reference.digest;
    let gathered: GatheredFacts | undefined;
    let problem: string | undefined;
    let stored: ReturnType<typeof storedSupplyChainFacts> | undefined;
    /** The evaluation over the facts as finally gathered, when it was already made (the common, clean case). */
    let evaluated: Decision | undefined;
    // Nothing to verify when no policy applies: the no-match behaviour decides, and the registry is not asked.
    if (applicable.length > 0) {
      try {
        digest ??= await withinBudget(this.facts.resolveDigest(orgId, reference), deadline, () => `could not resolve ${ref} to a digest within ${ADMISSION_BUDGET_MS} ms`);
        // In parallel with the registry round; never throws.
        stored = storedSupplyChainFacts(this.supplyChain, orgId, applicable, ref, digest, (work) => withinBudget(work, deadline, () => `vulnerability data of ${ref} could not be read within ${ADMISSION_BUDGET_MS} ms`));
        const keys = verificationKeys(applicable);
        if (keys.length > 0) {
          const gather = (maxAgeMs?: number) => withinBudget(this.facts.gather(orgId, reference, ref, digest!, keys, maxAgeMs), deadline, () => `verification of ${ref} did not finish within ${ADMISSION_BUDGET_MS} ms (it continues; retry shortly)`);
          gathered = await gather();
          const first = evaluate({ policies, image: { ...gathered.facts, ...(await stored).facts }, object, noMatch: state.noMatch });
          // Cached facts only ever miss something newer: a failure on old facts is checked again once.
          if (!isClean(first) && !gathered.problem && gathered.oldestMs > NEGATIVE_MAX_AGE_MS) gathered = await gather(NEGATIVE_MAX_AGE_MS);
          else evaluated = first;
        }
      } catch (error) {
        problem = error instanceof BudgetExceeded ? error.message : describeRegistryError(reference, error);
      }
    }
    const supply = (await stored) ?? {};
    if (applicable.length > 0) problem ??= gathered?.problem ?? supply.problem;
    const facts: ImageFacts = { ...(gathered?.facts ?? { ref, digest: digest ?? '', signatures: [], attestations: [] }), ...supply.facts };
    const decision = evaluated ?? evaluate({ policies, image: facts, object, noMatch: state.noMatch });
    const warnings = [...decision.warnings];
    const reasons = [...decision.reasons];
    if (!isClean(decision)) {
      const notes = [...(problem ? [problem] : []), ...(gathered?.diagnostics ?? []).slice(0, 3).map((d) => `${ref}: ${d}`)];
      (decision.allowed ? warnings : reasons).push(...notes);
    } else if (problem) {
      warnings.push(problem);
    }
    return {
      ref,
      ...(digest ? { digest } : {}),
      allowed: decision.allowed,
      warnings,
      reasons,
      cacheTtlSeconds: cacheTtlFor({
        allowed: decision.allowed,
        warnings,
        pinned: reference.digest !== undefined,
        uncertain: problem !== undefined || (applicable.length > 0 && !digest),
        objectDependent: dependsOnObject(policies, reference, ref),
      }),
      decision,
    };
  }
}

function isClean(decision: Decision): boolean {
  return decision.allowed && decision.warnings.length === 0;
}

class BudgetExceeded extends Error {}

/** Waits for `work` until the deadline; the work itself is not cancelled (its result lands in the cache). */
async function withinBudget<T>(work: Promise<T>, deadline: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BudgetExceeded(message())), Math.max(0, deadline - Date.now()));
  });
  work.catch(() => undefined); // a late failure after the deadline must not be an unhandled rejection
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function storedImage(image: AdmissionImage, outcome: ImageOutcome, state: ClusterPolicyState): StoredImageDecision {
  const idOf = (name: string, revision?: number) => state.policies.find((p) => p.policy.name === name && p.revision === revision)?.policyId ?? '';
  return {
    container: image.container,
    type: image.type,
    ref: image.ref,
    digest: outcome.digest ?? null,
    allowed: outcome.allowed,
    warnings: [...outcome.warnings],
    reasons: [...outcome.reasons],
    policies: outcome.decision.policies.map((p) => ({ policyId: idOf(p.name, p.revision), name: p.name, revision: p.revision ?? 0, mode: p.mode, valid: p.valid })),
  };
}

