import { existsSync } from 'node:fs';
import { z } from 'zod';

const filePath = (what: string) =>
  z.string({ message: `is required (${what})` }).refine((p) => existsSync(p), 'file does not exist');

/** The agent's environment (ARCHITECTURE §9), validated before anything starts. */
export const agentEnvSchema = z.object({
  VIGIL_API_URL: z.string({ message: 'is required (the platform base URL)' }).url('must be an absolute URL'),
  VIGIL_REGISTRATION_TOKEN: z.string().min(16, 'is too short').optional(),
  VIGIL_CREDENTIALS_FILE: z.string().default('/var/run/vigil/credentials.json'),
  KUBECONFIG: z.string().optional(),
  WEBHOOK_PORT: z.coerce.number().int().min(1).max(65535).default(8443),
  WEBHOOK_TLS_CERT: filePath('PEM certificate of the admission server'),
  WEBHOOK_TLS_KEY: filePath('PEM private key of the admission server'),
  VIGIL_CLUSTER_FAILURE_POLICY: z.enum(['fail', 'ignore']).default('fail'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type AgentEnv = z.infer<typeof agentEnvSchema>;
