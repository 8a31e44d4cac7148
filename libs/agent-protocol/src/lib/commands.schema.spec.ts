import { isKnownCommand } from './commands.schema';
import { generateCredentialSecret } from './credential';
import { PROTOCOL_LIMITS } from './limits';
import { T0, errorPaths, expectValid } from './test-fixtures';
import { validateCommandAckRequest, validateCommandAckResponse, validateCommandListResponse } from './validation';

const deletePods = {
  id: 'cmd-1',
  type: 'delete-pods',
  issuedAt: T0,
  params: { namespace: 'shop', workload: { kind: 'Deployment', name: 'web' }, reason: 'policy "signed" failed' },
};

describe('command list', () => {
  it('accepts known commands with typed params', () => {
    const rotate = { id: 'cmd-2', type: 'rotate-credential', issuedAt: T0, params: { clusterId: 'c1', keyId: 'vk_2', secret: generateCredentialSecret() } };
    const { commands } = expectValid(validateCommandListResponse({ commands: [deletePods, rotate] }));
    const [first] = commands;
    expect(first && isKnownCommand(first) && first.type === 'delete-pods' && first.params.workload.name).toBe('web');
  });

  it('keeps a command of an unknown type so the agent can ack it as unsupported', () => {
    const { commands } = expectValid(validateCommandListResponse({ commands: [{ id: 'cmd-3', type: 'drain-node', issuedAt: T0, params: { node: 'n1' } }] }));
    expect(commands[0]?.type).toBe('drain-node');
    expect(commands[0] && isKnownCommand(commands[0])).toBe(false);
  });

  it('names the bad field of a known command, without noise from other types', () => {
    const bad = { ...deletePods, params: { ...deletePods.params, workload: { kind: 'Deployment' } } };
    expect(errorPaths(validateCommandListResponse({ commands: [deletePods, bad] }))).toEqual(['commands[1].params.workload.name']);
  });

  it('rejects commands without id or type, and too many commands', () => {
    expect(errorPaths(validateCommandListResponse({ commands: [{ type: 'x', issuedAt: T0 }] }))).toEqual(['commands[0].id']);
    expect(errorPaths(validateCommandListResponse({ commands: [{ id: 'c', issuedAt: T0 }] }))).toEqual(['commands[0].type']);
    const many = Array.from({ length: PROTOCOL_LIMITS.maxCommandsPerList + 1 }, (_, i) => ({ ...deletePods, id: `c${i}` }));
    expect(errorPaths(validateCommandListResponse({ commands: many }))).toEqual(['commands']);
  });
});

describe('command ack', () => {
  it('accepts an ack and its response', () => {
    expectValid(validateCommandAckRequest({ agentId: 'agent-0', outcome: 'succeeded', affectedCount: 3, completedAt: T0 }));
    expectValid(validateCommandAckResponse({ id: 'cmd-1', outcome: 'succeeded' }));
  });

  it('rejects an unknown outcome, a missing time and unknown fields', () => {
    expect(errorPaths(validateCommandAckRequest({ agentId: 'agent-0', outcome: 'done', extra: true })).sort()).toEqual([
      'completedAt',
      'extra',
      'outcome',
    ]);
  });
});
