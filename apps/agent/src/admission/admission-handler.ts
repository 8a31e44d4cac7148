import type { Logger } from 'pino';
import type { AdmissionRequest, AdmissionResponse, ImageDecision, OwnerReference, WorkloadOwner } from '@vigil/agent-protocol';
import type { AgentMetrics } from '../health/agent-metrics';
import type { PlatformClient } from '../platform-client/platform-client';
import { ParsedReview, ReviewAnswer, admissionReviewResponse, parseAdmissionReview } from './admission-review';
import type { DecisionCache } from './decision-cache';

export interface AdmissionOptions {
  exemptNamespaces: readonly string[];
  deadlineMs: number;
  failurePolicy: 'fail' | 'ignore';
  /** Owner from the inventory's cached lookups only: admission never waits on the kube API. */
  ownerOf: (namespace: string, refs: readonly OwnerReference[]) => WorkloadOwner | undefined;
}

export interface HttpAnswer {
  status: number;
  body: unknown;
}

const unique = (xs: string[]) => [...new Set(xs)];

/**
 * Decides one AdmissionReview: exempt cases without a platform call, then the
 * decision cache, then the platform within the deadline, else the failure policy.
 */
export class AdmissionHandler {
  constructor(
    private readonly platform: PlatformClient,
    private readonly cache: DecisionCache,
    private readonly metrics: AgentMetrics,
    private readonly log: Logger,
    private readonly o: AdmissionOptions,
  ) {}

  async handle(body: unknown): Promise<HttpAnswer> {
    const timer = this.metrics.admissionDuration.startTimer();
    try {
      const parsed = parseAdmissionReview(body);
      if (!parsed.ok) {
        this.metrics.admissionRequests.inc({ result: 'malformed' });
        return { status: 400, body: { error: parsed.error } };
      }
      const review = parsed.review;
      const { result, answer } = await this.decide(review);
      this.metrics.admissionRequests.inc({ result });
      return { status: 200, body: admissionReviewResponse(review.apiVersion, review.uid, answer) };
    } finally {
      timer();
    }
  }

  private async decide(r: ParsedReview): Promise<{ result: string; answer: ReviewAnswer }> {
    if (r.operation === 'DELETE' || r.operation === 'CONNECT' || !r.kind) return { result: 'exempt', answer: { allowed: true } };
    if (this.o.exemptNamespaces.includes(r.namespace)) return { result: 'exempt', answer: { allowed: true } };
    // Dry runs have no effect to prevent; answering them without the platform keeps `--dry-run=server` fast and event-free.
    if (r.dryRun) return { result: 'exempt', answer: { allowed: true, warnings: ['Vigil: dry-run requests are not verified'] } };
    if (r.images.length === 0) return { result: 'exempt', answer: { allowed: true } };

    const cached = r.images.map((i) => this.cache.get(i.ref));
    if (cached.every((d): d is ImageDecision => d !== undefined)) {
      this.metrics.decisionCache.inc({ outcome: 'hit' });
      return this.fromDecisions(r, cached, [], []);
    }
    this.metrics.decisionCache.inc({ outcome: 'miss' });

    let response: AdmissionResponse;
    try {
      response = await this.platform.call('admission', this.toRequest(r), { timeoutMs: this.o.deadlineMs });
    } catch (error) {
      return this.failurePolicy(r, error as Error);
    }
    this.cache.observeToken(response.policyStateToken);
    for (const d of response.decisions) this.cache.put(response.policyStateToken, d);
    // The platform's verdict is authoritative (it may weigh more than per-image results).
    return this.fromDecisions(r, response.decisions, response.reasons, response.warnings, response.allowed);
  }

  private fromDecisions(r: ParsedReview, decisions: ImageDecision[], reasons: string[], warnings: string[], verdict?: boolean) {
    const failing = decisions.filter((d) => !d.allowed).map((d) => `${d.image}: ${d.reasons.join('; ') || 'not allowed'}`);
    const allowed = verdict ?? failing.length === 0;
    const allReasons = unique([...failing, ...reasons.filter((x) => !failing.some((f) => f.includes(x)))]);
    const allWarnings = unique([...warnings, ...decisions.flatMap((d) => d.warnings.map((w) => (w.includes(d.image) ? w : `${d.image}: ${w}`)))]);
    const answer: ReviewAnswer = {
      allowed,
      message: allowed ? undefined : this.denyMessage(r, allReasons.length ? allReasons : ['denied by policy']),
      warnings: allWarnings.length ? allWarnings.slice(0, 100) : undefined,
    };
    return { result: allowed ? 'allowed' : 'denied', answer };
  }

  private denyMessage(r: ParsedReview, reasons: string[]): string {
    const what = `${r.kind} ${r.namespace}/${r.name || r.generateName || ''}`;
    return `Vigil denied ${what}: ${reasons.join(' | ')}`.slice(0, 4000);
  }

  private failurePolicy(r: ParsedReview, error: Error): { result: string; answer: ReviewAnswer } {
    this.log.warn({ uid: r.uid, kind: r.kind, namespace: r.namespace, err: error.message, policy: this.o.failurePolicy }, 'platform did not decide in time; failure policy applied');
    const why = `Vigil could not verify the images (${error.message})`;
    return this.o.failurePolicy === 'ignore'
      ? { result: 'failure_policy', answer: { allowed: true, warnings: [`${why}; admitted by failure policy "ignore"`] } }
      : { result: 'failure_policy', answer: { allowed: false, code: 503, message: `${why}; denied by failure policy "fail"` } };
  }

  private toRequest(r: ParsedReview): AdmissionRequest {
    const owner = this.o.ownerOf(r.namespace, r.ownerReferences);
    return {
      uid: r.uid,
      kind: r.kind!,
      namespace: r.namespace,
      name: r.name,
      ...(r.generateName ? { generateName: r.generateName.slice(0, 253) } : {}),
      operation: r.operation as 'CREATE' | 'UPDATE',
      ...(owner ? { owner } : {}),
      labels: r.labels,
      images: r.images,
      ...(r.user ? { user: r.user } : {}),
    };
  }
}
