import { AGENT_ENDPOINTS, agentEndpointPath } from './agent-endpoints';

describe('agent endpoints', () => {
  it('lists every §7 agent route, all under /v1/agent/, only register unsigned', () => {
    const routes = Object.values(AGENT_ENDPOINTS).map((e) => `${e.method} ${e.path}`);
    expect(routes.sort()).toEqual([
      'GET /v1/agent/commands',
      'POST /v1/agent/admission',
      'POST /v1/agent/commands/:id/ack',
      'POST /v1/agent/heartbeat',
      'POST /v1/agent/inventory',
      'POST /v1/agent/register',
    ]);
    expect(Object.entries(AGENT_ENDPOINTS).filter(([, e]) => !e.signed).map(([name]) => name)).toEqual(['register']);
  });

  it('builds concrete paths and encodes ids', () => {
    expect(agentEndpointPath('ackCommand', { id: 'a/b' })).toBe('/v1/agent/commands/a%2Fb/ack');
    expect(agentEndpointPath('inventory')).toBe('/v1/agent/inventory');
    expect(() => agentEndpointPath('ackCommand')).toThrow(TypeError);
  });
});
