import type { Logger } from 'pino';
import type { AdmissionRequest, AdmissionResponse, ImageDecision, OwnerReference, WorkloadOwner } from '@vigil/agent-protocol';
import type { AgentMetrics } from '../health/agent-metrics';
import type { PlatformClient } from '../platform-client/platform-client';
import { ReviewAnswer, admissionReviewJson } from './admission-response';
import { ParsedReview, parseAdmissionReview, platformFields } from './admission-review';
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
  /** JSON text. */
  body: string;
}

type Decided = { result: 'allowed' | 'denied' | 'exempt' | 'failure_policy'; answer: ReviewAnswer };

const ALLOW: ReviewAnswer = { allowed: true };
const EXEMPT: Decided = { result: 'exempt', answer: ALLOW };
const ALLOWED: Decided = { result: 'allowed', answer: ALLOW };
const DRY_RUN: Decided = { result: 'exempt', answer: { allowed: true, warnings: ['Vigil: dry-run requests are not verified'] } };

const unique = (xs: string[]) => [...new Set(xs)];

/**
 * Decides one AdmissionReview: exempt cases without a platform call, then the
 * decision cache, then the platform within the deadline, else the failure policy.
 * Exempt and cached answers are synchronous (no promise on the warm path).
 */
export class AdmissionHandler {
  private readonly exempt: ReadonlySet<string>;

  constructor(
    private readonly platform: PlatformClient,
    private readonly cache: DecisionCache,
    private readonly metrics: AgentMetrics,
    private readonly log: Logger,
    private readonly o: AdmissionOptions,
  ) {
    this.exempt = new Set(o.exemptNamespaces);
  }

  handle(body: unknown): HttpAnswer | Promise<HttpAnswer> {
    const started = performance.now();
    const parsed = parseAdmissionReview(body);
    if (!parsed.ok) {
      this.metrics.admissionRequests.inc({ result: 'malformed' });
      this.metrics.admissionDuration.observe((performance.now() - started) / 1000);
      return { status: 400, body: JSON.stringify({ error: parsed.error }) };
    }
    const review = parsed.review;
    const local = this.decideLocally(review);
    if (local) return this.answer(review, local, started);
    return this.askPlatform(review).then((decided) => this.answer(review, decided, started));
  }

  private answer(r: ParsedReview, { result, answer }: Decided, started: number): HttpAnswer {
    this.metrics.admissionRequests.inc({ result });
    this.metrics.admissionDuration.observe((performance.now() - started) / 1000);
    return { status: 200, body: admissionReviewJson(r.apiVersion, r.uid, answer) };
  }

  /** Exempt cases and cache hits; undefined when the platform must be asked. */
  private decideLocally(r: ParsedReview): Decided | undefined {
    if (r.operation === 'DELETE' || r.operation === 'CONNECT' || !r.kind) return EXEMPT;
    if (this.exempt.has(r.namespace)) return EXEMPT;
    // Dry runs have no effect to prevent; answering them without the platform keeps `--dry-run=server` fast and event-free.
    if (r.dryRun) return DRY_RUN;
    if (r.images.length === 0) return EXEMPT;

    const cached: ImageDecision[] = [];
    for (const image of r.images) {
      const decision = this.cache.get(image.ref);
      if (!decision) {
        this.metrics.decisionCache.inc({ outcome: 'miss' });
        return undefined;
      }
      cached.push(decision);
    }
    this.metrics.decisionCache.inc({ outcome: 'hit' });
    return this.fromDecisions(r, cached, [], []);
  }

  private async askPlatform(r: ParsedReview): Promise<Decided> {
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

  private fromDecisions(r: ParsedReview, decisions: ImageDecision[], reasons: string[], warnings: string[], verdict?: boolean): Decided {
    // Reasons only shape a denial's message, so they do not matter here.
    if (verdict !== false && warnings.length === 0 && decisions.every((d) => d.allowed && d.warnings.length === 0)) return ALLOWED;
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

  private failurePolicy(r: ParsedReview, error: Error): Decided {
    this.log.warn({ uid: r.uid, kind: r.kind, namespace: r.namespace, err: error.message, policy: this.o.failurePolicy }, 'platform did not decide in time; failure policy applied');
    const why = `Vigil could not verify the images (${error.message})`;
    return this.o.failurePolicy === 'ignore'
      ? { result: 'failure_policy', answer: { allowed: true, warnings: [`${why}; admitted by failure policy "ignore"`] } }
      : { result: 'failure_policy', answer: { allowed: false, code: 503, message: `${why}; denied by failure policy "fail"` } };
  }

  private toRequest(r: ParsedReview): AdmissionRequest {
    const { labels, ownerReferences, user } = platformFields(r);
    const owner = this.o.ownerOf(r.namespace, ownerReferences);
    return {
      uid: r.uid,
      kind: r.kind!,
      namespace: r.namespace,
      name: r.name,
      ...(r.generateName ? { generateName: r.generateName.slice(0, 253) } : {}),
      operation: r.operation as 'CREATE' | 'UPDATE',
      ...(owner ? { owner } : {}),
      labels,
      images: r.images,
      ...(user ? { user } : {}),
    };
  }
}
