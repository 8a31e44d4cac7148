import { NO_LONGER_APPLIES, planVerification, type PlanInput } from './verification-plan';
import { imageSubject, transitionEventId } from './validation-event';
import type { FreshResult, RunningImage, StoredEvaluation } from './verification.types';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const P = '11111111-1111-4111-8111-111111111111';
const Q = '22222222-2222-4222-8222-222222222222';

const image = (digest: string): RunningImage => ({ digest, refs: ['ghcr.io/acme/app:1'], workloads: [{ namespace: 'shop', kind: 'Deployment', name: 'web' }], lastSeen: new Date(0) });
const result = (policyId: string, valid: boolean, over: Partial<FreshResult> = {}): FreshResult => ({
  policyId,
  policyName: policyId === P ? 'signed' : 'no-critical',
  revision: 1,
  mode: 'enforce',
  imageRef: 'ghcr.io/acme/app:1',
  valid,
  diagnostic: valid ? '' : 'not signed',
  reasons: valid ? [] : ['not signed'],
  ...over,
});
const stored = (digest: string, policyId: string, valid: boolean, transitions = 1): StoredEvaluation => ({ digest, policyId, generation: `gen-${digest.slice(7, 8)}-${policyId.slice(0, 1)}`, policyName: policyId === P ? 'signed' : 'no-critical', revision: 1, valid, transitions });

function plan(over: Partial<PlanInput>) {
  let n = 0;
  return planVerification({ digests: [D1], running: new Map([[D1, image(D1)]]), fresh: new Map(), stored: [], open: [], newGeneration: () => `new-${++n}`, ...over });
}

describe('planVerification', () => {
  it('announces a first result as new, and opens a violation only when it fails', () => {
    const p = plan({ digests: [D1, D2], running: new Map([[D1, image(D1)], [D2, image(D2)]]), fresh: new Map([[D1, [result(P, false)]], [D2, [result(P, true)]]]) });
    expect(p.transitions.map((t) => [t.digest, t.change, t.valid, t.transitionNo])).toEqual([[D1, 'new', false, 1], [D2, 'new', true, 1]]);
    expect(p.opens.map((o) => o.digest)).toEqual([D1]);
    expect(p.writes.map((w) => w.generation)).toEqual(['new-1', 'new-2']);
  });

  it('announces degraded and improved once; an unchanged result announces nothing', () => {
    const degraded = plan({ fresh: new Map([[D1, [result(P, false)]]]), stored: [stored(D1, P, true)] });
    expect(degraded.transitions.map((t) => [t.change, t.transitionNo, t.generation])).toEqual([['degraded', 2, 'gen-1-1']]);
    expect(degraded.opens).toHaveLength(1);

    const same = plan({ fresh: new Map([[D1, [result(P, false, { revision: 2, diagnostic: 'other words' })]]]), stored: [stored(D1, P, false, 2)], open: [{ id: 'v1', digest: D1, policyId: P }] });
    expect(same.transitions).toEqual([]);
    expect(same.opens).toEqual([]);
    expect(same.resolves).toEqual([]);
    expect(same.writes[0]).toEqual(expect.objectContaining({ revision: 2, transitions: 2, changed: false }));

    const improved = plan({ fresh: new Map([[D1, [result(P, true)]]]), stored: [stored(D1, P, false, 2)], open: [{ id: 'v1', digest: D1, policyId: P }] });
    expect(improved.transitions.map((t) => [t.change, t.transitionNo])).toEqual([['improved', 3]]);
    expect(improved.resolves).toEqual([{ id: 'v1', resolution: 'passed' }]);
  });

  it('resolves the violations of an image that stopped running, without announcing a result change', () => {
    const p = plan({ running: new Map(), stored: [stored(D1, P, false)], open: [{ id: 'v1', digest: D1, policyId: P }] });
    expect(p).toEqual({ writes: [], removals: [], transitions: [], opens: [], resolves: [{ id: 'v1', resolution: 'stopped-running' }] });
  });

  it('reopens a violation for a failing image that runs again though its result did not change', () => {
    const p = plan({ fresh: new Map([[D1, [result(P, false)]]]), stored: [stored(D1, P, false)] });
    expect(p.transitions).toEqual([]);
    expect(p.opens.map((o) => o.result.policyId)).toEqual([P]);
  });

  it('removes results of policies that no longer apply; a failing one improves and its violation resolves', () => {
    const p = plan({ fresh: new Map([[D1, [result(Q, true)]]]), stored: [stored(D1, P, false, 1), stored(D1, Q, true)], open: [{ id: 'v1', digest: D1, policyId: P }] });
    expect(p.removals).toEqual([{ digest: D1, policyId: P }]);
    expect(p.transitions).toEqual([expect.objectContaining({ policyId: P, change: 'improved', valid: true, diagnostic: NO_LONGER_APPLIES, transitionNo: 2 })]);
    expect(p.resolves).toEqual([{ id: 'v1', resolution: 'policy-removed' }]);
  });

  it('derives one stable event id per transition', () => {
    const [t] = plan({ fresh: new Map([[D1, [result(P, false)]]]) }).transitions;
    const id = transitionEventId('org', 'cluster', t);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(transitionEventId('org', 'cluster', t)).toBe(id);
    expect(transitionEventId('org', 'cluster', { ...t, transitionNo: 2 })).not.toBe(id);
  });

  it('names images by repository and digest', () => {
    expect(imageSubject('nginx:1.25', D1)).toBe(`index.docker.io/library/nginx@${D1}`);
    expect(imageSubject(`ghcr.io/acme/app@${D2}`, D2)).toBe(`ghcr.io/acme/app@${D2}`);
  });
});
