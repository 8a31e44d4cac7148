import type { Queue } from 'bullmq';
import type { Database } from '@vigil/shared/database';
import type { VerifyTargetsJob } from '@vigil/shared/queue';
import type { PolicyChangeRepository } from '../repositories/policy-change.repository';
import type { RunningImageRepository } from '../repositories/running-image.repository';
import type { VerificationTargetRepository } from '../repositories/verification-target.repository';
import type { ViolationRepository } from '../repositories/violation.repository';
import { ContinuousVerification } from './continuous-verification.service';

const digests = (from: number, n: number) => Array.from({ length: n }, (_, i) => `sha256:${(from + i).toString(16).padStart(64, '0')}`);

function producer() {
  const added: { name: string; data: VerifyTargetsJob; opts: { jobId?: string } }[][] = [];
  const queue = { addBulk: async (jobs: (typeof added)[number]) => void added.push(jobs) } as unknown as Queue;
  const cv = new ContinuousVerification(
    {} as Database,
    {} as VerificationTargetRepository,
    {} as RunningImageRepository,
    {} as PolicyChangeRepository,
    {} as ViolationRepository,
    queue,
  );
  return { cv, jobs: () => added.flat() };
}

describe('ContinuousVerification job grouping', () => {
  const dueAt = new Date('2026-01-01T00:00:00Z');
  const c1 = { clusterId: '00000000-0000-0000-0000-000000000001', digests: digests(0, 300), dueAt };
  const c2 = { clusterId: '00000000-0000-0000-0000-000000000002', digests: digests(1000, 300), dueAt };
  const c3 = { clusterId: '00000000-0000-0000-0000-000000000003', digests: digests(2000, 10), dueAt };

  it('packs one org’s due pairs across clusters into jobs of at most 500 pairs', async () => {
    const { cv, jobs } = producer();
    expect(await cv.enqueueDue('org', [c3, c2, c1])).toBe(2);
    const [first, second] = jobs();
    expect(first.name).toBe('verify.targets');
    expect(first.data.targets.map((t) => [t.clusterId, t.digests.length])).toEqual([
      [c1.clusterId, 300],
      [c2.clusterId, 200],
    ]);
    expect(second.data.targets.map((t) => [t.clusterId, t.digests.length])).toEqual([
      [c2.clusterId, 100],
      [c3.clusterId, 10],
    ]);
  });

  it('gives the same ids whatever the input order, and the same id to what is left when a whole job is done', async () => {
    const a = producer();
    const b = producer();
    const c = producer();
    await a.cv.enqueueDue('org', [c1, c2, c3]);
    await b.cv.enqueueDue('org', [c3, c1, c2]);
    expect(b.jobs().map((j) => j.opts.jobId)).toEqual(a.jobs().map((j) => j.opts.jobId));
    // The first job done: the tick sees c2's last 100 digests and c3 due, and re-adds them under the second job's id.
    await c.cv.enqueueDue('org', [{ ...c2, digests: c2.digests.slice(200) }, c3]);
    expect(c.jobs().map((j) => j.opts.jobId)).toEqual([a.jobs()[1].opts.jobId]);
  });

  it('gives a newer trigger of the same pairs a new id', async () => {
    const a = producer();
    const b = producer();
    await a.cv.enqueueDue('org', [c3]);
    await b.cv.enqueueDue('org', [{ ...c3, dueAt: new Date(dueAt.getTime() + 1) }]);
    expect(b.jobs()[0].opts.jobId).not.toEqual(a.jobs()[0].opts.jobId);
  });
});
