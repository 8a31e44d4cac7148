import { z } from 'zod';
import { platformEnvSchema, PlatformEnv } from './config.schema';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment once; every problem is reported with the variable's name. */
export function parseEnv<S extends z.ZodTypeAny>(schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`),
    );
  }
  return result.data;
}

export interface OidcSettings {
  issuerUrl: string;
  clientId: string;
  clientSecret: string;
}

export interface PlatformConfig {
  env: PlatformEnv;
  oidc?: OidcSettings;
}

export function loadPlatformConfig(env: NodeJS.ProcessEnv = process.env): PlatformConfig {
  const parsed = parseEnv(platformEnvSchema, env);
  const oidcVars = [parsed.VIGIL_OIDC_ISSUER_URL, parsed.VIGIL_OIDC_CLIENT_ID, parsed.VIGIL_OIDC_CLIENT_SECRET];
  const given = oidcVars.filter(Boolean).length;
  if (given !== 0 && given !== 3) {
    throw new ConfigError([
      'VIGIL_OIDC_ISSUER_URL, VIGIL_OIDC_CLIENT_ID and VIGIL_OIDC_CLIENT_SECRET: set all three to enable OIDC sign-in, or none',
    ]);
  }
  if (given === 3 && !parsed.VIGIL_PUBLIC_URL) {
    throw new ConfigError(['VIGIL_PUBLIC_URL: required with OIDC sign-in (the callback URL is built from it)']);
  }
  const oidc =
    given === 3
      ? {
          issuerUrl: parsed.VIGIL_OIDC_ISSUER_URL!,
          clientId: parsed.VIGIL_OIDC_CLIENT_ID!,
          clientSecret: parsed.VIGIL_OIDC_CLIENT_SECRET!,
        }
      : undefined;
  return { env: parsed, oidc };
}

/** Prints the problem and stops the process: used by every entrypoint before anything starts. */
export function loadConfigOrExit<T>(load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
}
