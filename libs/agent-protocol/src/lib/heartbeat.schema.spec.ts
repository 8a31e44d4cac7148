import { T0, errorPaths, expectValid } from './test-fixtures';
import { validateHeartbeatRequest, validateHeartbeatResponse } from './validation';

const heartbeat = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  agentId: 'agent-0',
  agentVersion: '0.1.0',
  kubernetesVersion: 'v1.30.2+k3s1',
  nodeCount: 3,
  sentAt: T0,
  ...over,
});

describe('heartbeat', () => {
  it('accepts a heartbeat', () => {
    expect(expectValid(validateHeartbeatRequest(heartbeat())).nodeCount).toBe(3);
  });

  it('accepts a heartbeat without nodeCount (a replica that does not run the inventory)', () => {
    expect(expectValid(validateHeartbeatRequest(heartbeat({ nodeCount: undefined }))).nodeCount).toBeUndefined();
  });

  it.each([
    ['Kubernetes style', '2026-03-01T12:00:00Z'],
    ['Date#toISOString', new Date('2026-03-01T12:00:00.123Z').toISOString()],
    ['an offset', '2026-03-01T13:00:00+01:00'],
  ])('accepts a timestamp in %s', (_label, sentAt) => {
    expectValid(validateHeartbeatRequest(heartbeat({ sentAt })));
  });

  it.each([
    ['a date without time', { sentAt: '2026-03-01' }, 'sentAt'],
    ['epoch millis', { sentAt: 1772366400000 }, 'sentAt'],
    ['negative nodeCount', { nodeCount: -1 }, 'nodeCount'],
    ['nodeCount as a string', { nodeCount: '3' }, 'nodeCount'],
    ['missing agentVersion', { agentVersion: undefined }, 'agentVersion'],
    ['kubernetesVersion with spaces', { kubernetesVersion: 'v1 30' }, 'kubernetesVersion'],
    ['an unknown field', { clusterId: 'other' }, 'clusterId'],
  ])('rejects %s', (_label, over, path) => {
    expect(errorPaths(validateHeartbeatRequest(heartbeat(over)))).toEqual([path]);
  });

  it('validates the response', () => {
    expectValid(validateHeartbeatResponse({ serverTime: T0, policyStateToken: 'ps_1', nextHeartbeatSeconds: 30, commandsPending: false }));
    expect(errorPaths(validateHeartbeatResponse({ serverTime: T0, policyStateToken: '', nextHeartbeatSeconds: 0 })).sort()).toEqual([
      'commandsPending',
      'nextHeartbeatSeconds',
      'policyStateToken',
    ]);
  });
});
