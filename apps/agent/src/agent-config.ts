import { existsSync, readFileSync } from 'node:fs';
import { ConfigError } from '@vigil/shared/config';
import { z } from 'zod';

const filePath = (what: string) =>
  z.string({ message: `is required (${what})` }).refine((p) => existsSync(p), 'file does not exist');

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', ''])
    .optional()
    .transform((v) => (v === undefined || v === '' ? fallback : v === 'true' || v === '1'));

const int = (min: number, max: number, fallback: number) => z.coerce.number().int().min(min).max(max).default(fallback);

const list = z
  .string()
  .optional()
  .transform((v) => (v === undefined ? undefined : v.split(',').map((s) => s.trim()).filter(Boolean)));

/** The agent's environment (ARCHITECTURE §9), validated before anything starts. */
export const agentEnvSchema = z.object({
  VIGIL_API_URL: z.string({ message: 'is required (the platform base URL)' }).url('must be an absolute URL'),
  VIGIL_REGISTRATION_TOKEN: z.string().min(16, 'is too short').optional(),
  /**
   * Where the cluster credential lives: `file` (VIGIL_CREDENTIALS_FILE; out of
   * cluster, development, a single replica) or `secret` (the Secret
   * VIGIL_CREDENTIALS_SECRET in the agent's namespace, shared by all replicas).
   */
  VIGIL_CREDENTIALS_STORE: z.enum(['file', 'secret'], { message: 'must be "file" or "secret"' }).default('file'),
  VIGIL_CREDENTIALS_FILE: z.string().default('/var/run/vigil/credentials.json'),
  VIGIL_CREDENTIALS_SECRET: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, 'must be a Secret name (lowercase RFC 1123 subdomain)')
    .default('vigil-agent-credential'),
  /** After a refused registration token: how long to wait for another replica's credential to appear. */
  VIGIL_CREDENTIALS_WAIT_MS: int(0, 600_000, 15_000),
  KUBECONFIG: z.string().optional(),
  /** 0 picks a free port (tests). */
  WEBHOOK_PORT: int(0, 65535, 8443),
  WEBHOOK_TLS_CERT: filePath('PEM certificate of the admission server'),
  WEBHOOK_TLS_KEY: filePath('PEM private key of the admission server'),
  VIGIL_CLUSTER_FAILURE_POLICY: z.enum(['fail', 'ignore']).default('fail'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Downward API; names the agent's own namespace (exempt by default) and its agent id. */
  POD_NAMESPACE: z.string().optional(),
  POD_NAME: z.string().optional(),
  /** Comma-separated; default kube-system plus the agent's own namespace. */
  VIGIL_EXEMPT_NAMESPACES: list,
  /** Must stay well below the webhook's timeoutSeconds so the failure policy is ours, not the apiserver's. */
  VIGIL_ADMISSION_DEADLINE_MS: int(100, 29_000, 2500),
  VIGIL_ADMISSION_CACHE_SIZE: int(0, 1_000_000, 10_000),
  /** Timeout of every other platform call (heartbeat, inventory, commands). */
  VIGIL_PLATFORM_TIMEOUT_MS: int(100, 120_000, 10_000),
  VIGIL_HEARTBEAT_INTERVAL_MS: int(100, 3_600_000, 30_000),
  /** Pod deltas held while the platform is unreachable; beyond it the backlog becomes a snapshot. */
  VIGIL_INVENTORY_BUFFER_SIZE: int(1, 10_000_000, 10_000),
  VIGIL_INVENTORY_FLUSH_MS: int(10, 60_000, 1000),
  VIGIL_SNAPSHOT_INTERVAL_MS: int(1000, 86_400_000, 3_600_000),
  /** A watch silent for longer than this (no event, no bookmark) is restarted. */
  VIGIL_WATCH_IDLE_TIMEOUT_MS: int(100, 3_600_000, 120_000),
  VIGIL_KUBE_TIMEOUT_MS: int(100, 120_000, 15_000),
  VIGIL_COMMANDS_ENABLED: bool(false),
  VIGIL_COMMAND_POLL_MS: int(100, 3_600_000, 30_000),
  /**
   * One replica (the holder of a Lease in the agent's namespace) runs the pod
   * inventory and the commands; every replica serves admission. Default: on
   * whenever the agent's namespace is known (always in a cluster).
   */
  VIGIL_LEADER_ELECTION: z.enum(['true', 'false', '1', '0', '']).optional().transform((v) => (v === undefined || v === '' ? undefined : v === 'true' || v === '1')),
  VIGIL_LEADER_ELECTION_LEASE: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, 'must be a Lease name (lowercase RFC 1123 subdomain)')
    .default('vigil-agent'),
  /** Followers take the lease after it went unrenewed this long (by their own clock); whole seconds on the wire. */
  VIGIL_LEADER_ELECTION_LEASE_DURATION_MS: int(1000, 3_600_000, 15_000),
  /** The leader stops its work when it could not renew for this long. */
  VIGIL_LEADER_ELECTION_RENEW_DEADLINE_MS: int(100, 3_600_000, 10_000),
  VIGIL_LEADER_ELECTION_RETRY_PERIOD_MS: int(50, 3_600_000, 2_000),
}).superRefine((env, ctx) => {
  // The gaps are the safety margin: the leader gives up (renew deadline) before a follower may take over (lease duration).
  if (env.VIGIL_LEADER_ELECTION_RENEW_DEADLINE_MS >= env.VIGIL_LEADER_ELECTION_LEASE_DURATION_MS) {
    ctx.addIssue({ code: 'custom', path: ['VIGIL_LEADER_ELECTION_RENEW_DEADLINE_MS'], message: `must be less than VIGIL_LEADER_ELECTION_LEASE_DURATION_MS (${env.VIGIL_LEADER_ELECTION_LEASE_DURATION_MS})` });
  }
  if (env.VIGIL_LEADER_ELECTION_RETRY_PERIOD_MS >= env.VIGIL_LEADER_ELECTION_RENEW_DEADLINE_MS) {
    ctx.addIssue({ code: 'custom', path: ['VIGIL_LEADER_ELECTION_RETRY_PERIOD_MS'], message: `must be less than VIGIL_LEADER_ELECTION_RENEW_DEADLINE_MS (${env.VIGIL_LEADER_ELECTION_RENEW_DEADLINE_MS})` });
  }
});

export type AgentEnv = z.infer<typeof agentEnvSchema>;

/** What the components read: the env with defaults that depend on each other resolved. */
export interface AgentConfig extends AgentEnv {
  exemptNamespaces: string[];
  agentNamespace: string | undefined;
  agentId: string;
  /** VIGIL_LEADER_ELECTION resolved: on by default when the namespace (where the Lease lives) is known. */
  leaderElection: boolean;
}

const SA_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

export function resolveAgentConfig(env: AgentEnv, hostname: string, random: string): AgentConfig {
  const agentNamespace = env.POD_NAMESPACE ?? (existsSync(SA_NAMESPACE_FILE) ? readFileSync(SA_NAMESPACE_FILE, 'utf8').trim() : undefined);
  if (env.VIGIL_CREDENTIALS_STORE === 'secret' && !agentNamespace) {
    throw new ConfigError(['POD_NAMESPACE: is required with VIGIL_CREDENTIALS_STORE=secret out of cluster (the credential Secret lives in the agent\'s namespace)']);
  }
  if (env.VIGIL_LEADER_ELECTION === true && !agentNamespace) {
    throw new ConfigError(['POD_NAMESPACE: is required with VIGIL_LEADER_ELECTION=true out of cluster (the Lease lives in the agent\'s namespace)']);
  }
  const leaderElection = env.VIGIL_LEADER_ELECTION ?? agentNamespace !== undefined;
  const exemptNamespaces = env.VIGIL_EXEMPT_NAMESPACES ?? ['kube-system', ...(agentNamespace ? [agentNamespace] : [])];
  // One sequence per process (protocol): a restart is a new agent id, starting at sequence 1.
  const base = (env.POD_NAME ?? hostname).replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 100) || 'agent';
  const safe = /^[A-Za-z0-9]/.test(base) ? base : `a${base}`;
  return { ...env, exemptNamespaces, agentNamespace, agentId: `${safe}-${random}`, leaderElection };
}
