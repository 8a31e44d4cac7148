import { parseEnv, ConfigError } from '@vigil/shared/config';
import { agentEnvSchema, resolveAgentConfig } from './agent-config';

const base = { VIGIL_API_URL: 'https://api.example.com', WEBHOOK_TLS_CERT: __filename, WEBHOOK_TLS_KEY: __filename };

describe('agent configuration', () => {
  it('applies defaults: fail-closed, 2.5 s deadline, kube-system and its own namespace exempt', () => {
    const config = resolveAgentConfig(parseEnv(agentEnvSchema, { ...base, POD_NAMESPACE: 'vigil' }), 'host.1', 'abcd');
    expect(config).toMatchObject({ VIGIL_CLUSTER_FAILURE_POLICY: 'fail', VIGIL_ADMISSION_DEADLINE_MS: 2500, VIGIL_COMMANDS_ENABLED: false, exemptNamespaces: ['kube-system', 'vigil'], agentId: 'host.1-abcd' });
  });

  it('names the variable that is wrong', () => {
    try {
      parseEnv(agentEnvSchema, { ...base, VIGIL_CLUSTER_FAILURE_POLICY: 'open', WEBHOOK_TLS_KEY: '/nope' });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join('\n');
      expect(problems).toMatch(/^VIGIL_CLUSTER_FAILURE_POLICY:/m);
      expect(problems).toMatch(/^WEBHOOK_TLS_KEY: file does not exist/m);
    }
  });
});
