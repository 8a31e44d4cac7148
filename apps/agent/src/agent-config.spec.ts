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

  it('keeps the credential in a file by default, and in a Secret of its own namespace by choice', () => {
    expect(resolveAgentConfig(parseEnv(agentEnvSchema, base), 'h', 'r')).toMatchObject({ VIGIL_CREDENTIALS_STORE: 'file', VIGIL_CREDENTIALS_FILE: '/var/run/vigil/credentials.json' });
    const secret = resolveAgentConfig(parseEnv(agentEnvSchema, { ...base, VIGIL_CREDENTIALS_STORE: 'secret', POD_NAMESPACE: 'vigil' }), 'h', 'r');
    expect(secret).toMatchObject({ VIGIL_CREDENTIALS_STORE: 'secret', VIGIL_CREDENTIALS_SECRET: 'vigil-agent-credential', agentNamespace: 'vigil' });
    expect(() => parseEnv(agentEnvSchema, { ...base, VIGIL_CREDENTIALS_STORE: 'vault' })).toThrow(ConfigError);
    expect(() => parseEnv(agentEnvSchema, { ...base, VIGIL_CREDENTIALS_SECRET: 'Not_A_Name' })).toThrow(ConfigError);
  });
  it('elects a leader by default in its namespace (lease vigil-agent, 15 s / 10 s / 2 s); off without a namespace unless asked', () => {
    const inCluster = resolveAgentConfig(parseEnv(agentEnvSchema, { ...base, POD_NAMESPACE: 'vigil' }), 'h', 'r');
    expect(inCluster).toMatchObject({
      leaderElection: true,
      VIGIL_LEADER_ELECTION_LEASE: 'vigil-agent',
      VIGIL_LEADER_ELECTION_LEASE_DURATION_MS: 15_000,
      VIGIL_LEADER_ELECTION_RENEW_DEADLINE_MS: 10_000,
      VIGIL_LEADER_ELECTION_RETRY_PERIOD_MS: 2_000,
    });
    expect(resolveAgentConfig(parseEnv(agentEnvSchema, { ...base, POD_NAMESPACE: 'vigil', VIGIL_LEADER_ELECTION: 'false' }), 'h', 'r').leaderElection).toBe(false);
    expect(resolveAgentConfig(parseEnv(agentEnvSchema, base), 'h', 'r').leaderElection).toBe(false);
    expect(() => resolveAgentConfig(parseEnv(agentEnvSchema, { ...base, VIGIL_LEADER_ELECTION: 'true' }), 'h', 'r')).toThrow(/POD_NAMESPACE: is required with VIGIL_LEADER_ELECTION=true/);
    expect(() => parseEnv(agentEnvSchema, { ...base, VIGIL_LEADER_ELECTION: 'yes' })).toThrow(/VIGIL_LEADER_ELECTION:/);
    expect(() => parseEnv(agentEnvSchema, { ...base, VIGIL_LEADER_ELECTION_LEASE: 'Vigil_Agent' })).toThrow(/VIGIL_LEADER_ELECTION_LEASE: must be a Lease name/);
  });

  it('refuses lease timings that could give two leaders: lease duration > renew deadline > retry period', () => {
    const problems = (env: Record<string, string>) => {
      try {
        parseEnv(agentEnvSchema, { ...base, ...env });
        return [];
      } catch (error) {
        return (error as ConfigError).problems;
      }
    };
    expect(problems({ VIGIL_LEADER_ELECTION_LEASE_DURATION_MS: '10000' })).toEqual(['VIGIL_LEADER_ELECTION_RENEW_DEADLINE_MS: must be less than VIGIL_LEADER_ELECTION_LEASE_DURATION_MS (10000)']);
    expect(problems({ VIGIL_LEADER_ELECTION_RETRY_PERIOD_MS: '10000' })).toEqual(['VIGIL_LEADER_ELECTION_RETRY_PERIOD_MS: must be less than VIGIL_LEADER_ELECTION_RENEW_DEADLINE_MS (10000)']);
    expect(problems({ VIGIL_LEADER_ELECTION_LEASE_DURATION_MS: '3000', VIGIL_LEADER_ELECTION_RENEW_DEADLINE_MS: '2000', VIGIL_LEADER_ELECTION_RETRY_PERIOD_MS: '500' })).toEqual([]);
  });
});
