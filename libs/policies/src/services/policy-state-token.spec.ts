import { policyStateToken } from './policy-state-token';

const A = '11111111-1111-4111-8111-111111111111';
const B = '22222222-2222-4222-8222-222222222222';

describe('policyStateToken', () => {
  it('depends on the set, not its order', () => {
    expect(policyStateToken('warn', [{ policyId: A, revision: 1 }, { policyId: B, revision: 2 }])).toBe(
      policyStateToken('warn', [{ policyId: B, revision: 2 }, { policyId: A, revision: 1 }]),
    );
  });

  it('changes with a revision, a policy added or removed, and the no-match behaviour', () => {
    const base = policyStateToken('warn', [{ policyId: A, revision: 1 }]);
    expect(policyStateToken('warn', [{ policyId: A, revision: 2 }])).not.toBe(base);
    expect(policyStateToken('warn', [{ policyId: A, revision: 1 }, { policyId: B, revision: 1 }])).not.toBe(base);
    expect(policyStateToken('warn', [])).not.toBe(base);
    expect(policyStateToken('deny', [{ policyId: A, revision: 1 }])).not.toBe(base);
  });

  it('fits the protocol (opaque, at most 256 characters)', () => {
    expect(policyStateToken('allow', [])).toMatch(/^ps1_[A-Za-z0-9_-]{32}$/);
  });
});
