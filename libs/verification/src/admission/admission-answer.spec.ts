import { validateAdmissionResponse } from '@vigil/agent-protocol';
import { compilePolicyObject, tryParseImageReference, type CompiledPolicy } from '@vigil/policy-engine';
import { admissionAnswer, boundedMessages, cacheTtlFor, CACHE_TTL, dependsOnObject } from './admission-answer';

const DIGEST = `sha256:${'b'.repeat(64)}`;

function policy(spec: Record<string, unknown>): CompiledPolicy {
  const result = compilePolicyObject({ apiVersion: 'vigil.dev/v1', kind: 'ImagePolicy', metadata: { name: 'p' }, spec });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.policy;
}

describe('admission answer', () => {
  it('allows only when every image is allowed, and validates against the protocol schema', () => {
    const answer = admissionAnswer(
      [
        { ref: 'ghcr.io/a/x:1', digest: DIGEST, allowed: true, warnings: ['w'], reasons: [], cacheTtlSeconds: 10 },
        { ref: 'ghcr.io/a/y:1', allowed: false, warnings: ['w'], reasons: ['r'], cacheTtlSeconds: 0 },
      ],
      'ps1_x',
    );
    expect(answer).toMatchObject({ allowed: false, warnings: ['w'], reasons: ['r'], policyStateToken: 'ps1_x' });
    expect(answer.decisions[1]).not.toHaveProperty('digest');
    expect(validateAdmissionResponse(answer).ok).toBe(true);
  });

  it('keeps messages within the protocol bounds', () => {
    const many = boundedMessages(Array.from({ length: 150 }, (_, i) => `m${i}`));
    expect(many).toHaveLength(100);
    expect(many[99]).toBe('(more messages were left out)');
    expect(boundedMessages(['x'.repeat(5000)])[0]).toHaveLength(4096);
  });

  it('never lets the agent cache uncertain or object-dependent verdicts; short TTLs for tags and failures', () => {
    const base = { allowed: true, warnings: [] as string[], pinned: true, uncertain: false, objectDependent: false };
    expect(cacheTtlFor(base)).toBe(CACHE_TTL.pinnedClean);
    expect(cacheTtlFor({ ...base, pinned: false })).toBe(CACHE_TTL.tagClean);
    expect(cacheTtlFor({ ...base, allowed: false })).toBe(CACHE_TTL.unclean);
    expect(cacheTtlFor({ ...base, warnings: ['w'] })).toBe(CACHE_TTL.unclean);
    expect(cacheTtlFor({ ...base, uncertain: true })).toBe(0);
    expect(cacheTtlFor({ ...base, objectDependent: true })).toBe(0);
  });

  it('sees object dependence through spec.match and CEL over object, only for policies matching the image', () => {
    const ref = 'ghcr.io/acme/app:1';
    const reference = tryParseImageReference(ref);
    const plain = policy({ images: [{ glob: '**' }], authorities: [{ static: { action: 'pass' } }] });
    const matching = policy({ images: [{ glob: '**' }], authorities: [{ static: { action: 'pass' } }], match: [{ resource: 'pods' }] });
    const cel = policy({ images: [{ glob: 'ghcr.io/acme/**' }], policy: { type: 'cel', data: 'object.namespace != "default"' } });
    const elsewhere = policy({ images: [{ glob: 'quay.io/**' }], policy: { type: 'cel', data: 'object.namespace != "default"' } });
    expect(dependsOnObject([plain], reference, ref)).toBe(false);
    expect(dependsOnObject([plain, matching], reference, ref)).toBe(true);
    expect(dependsOnObject([cel], reference, ref)).toBe(true);
    expect(dependsOnObject([elsewhere], reference, ref)).toBe(false);
  });
});
