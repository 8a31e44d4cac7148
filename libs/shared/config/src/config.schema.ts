import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', ''])
  .optional()
  .transform((v) => v === 'true' || v === '1');

const postgresUrl = z
  .string({ message: 'is required' })
  .refine((v) => /^postgres(ql)?:\/\//.test(v), 'must be a postgres:// URL');

const redisUrl = z
  .string({ message: 'is required' })
  .refine((v) => /^rediss?:\/\//.test(v), 'must be a redis:// or rediss:// URL');

const port = (fallback: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return fallback;
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 65535) {
        ctx.addIssue({ code: 'custom', message: 'must be a TCP port (1-65535)' });
        return z.NEVER;
      }
      return n;
    });

const hostList = z
  .string()
  .optional()
  .transform((v) => (v ?? '').split(',').map((h) => h.trim().toLowerCase()).filter(Boolean));

/** Comma-separated http(s) URLs; anything else names the variable and the bad entry. */
const urlList = z
  .string()
  .optional()
  .transform((v, ctx) => {
    const urls = (v ?? '').split(',').map((u) => u.trim()).filter(Boolean);
    for (const u of urls) {
      let parsed: URL | null = null;
      try {
        parsed = new URL(u);
      } catch {
        parsed = null;
      }
      if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.username || parsed.password) {
        ctx.addIssue({ code: 'custom', message: `"${u}" is not an http(s) URL without credentials` });
        return z.NEVER;
      }
    }
    return [...new Set(urls)];
  });

/** Every variable the platform processes read, named as in ARCHITECTURE §9. */
export const platformEnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('production'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: postgresUrl,
  REDIS_URL: redisUrl,
  PORT: port(8080),
  WORKER_HEALTH_PORT: port(8081),
  VIGIL_ADMIN_TOKEN: z
    .string()
    .optional()
    .refine((v) => v === undefined || v === '' || v.length >= 24, 'must be at least 24 characters')
    .transform((v) => (v ? v : undefined)),
  VIGIL_SECRET_KEY: z
    .string({ message: 'is required (32+ characters; encrypts secrets at rest)' })
    .min(32, 'must be at least 32 characters'),
  VIGIL_INSECURE_REGISTRIES: hostList,
  VIGIL_ALLOW_PRIVATE_TARGETS: bool,
  VIGIL_PUBLIC_URL: z.string().url('must be an absolute URL').optional(),
  VIGIL_OIDC_ISSUER_URL: z.string().url('must be an absolute URL').optional(),
  VIGIL_OIDC_CLIENT_ID: z.string().min(1).optional(),
  VIGIL_OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  /** How long failed deliveries are retried before they are parked as dead letters (at least 24 h). */
  VIGIL_DELIVERY_MAX_AGE_SECONDS: z.coerce.number().int().min(1).max(30 * 86400).default(26 * 3600),
  /** First retry delay; later ones double up to an hour. */
  VIGIL_DELIVERY_RETRY_BASE_MS: z.coerce.number().int().min(10).max(600000).default(5000),
  VIGIL_DELIVERY_TIMEOUT_MS: z.coerce.number().int().min(100).max(60000).default(10000),
  /** After a sink fails, its other deliveries wait this long for the next probe. */
  VIGIL_DELIVERY_PROBE_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  /** Attempts one subscription may have in flight per worker process; the rest wait, so a slow sink cannot take every slot. */
  VIGIL_DELIVERY_MAX_IN_FLIGHT_PER_SUBSCRIPTION: z.coerce.number().int().min(1).max(64).default(8),
  /** OSV feeds the worker imports on a schedule: JSON object, array, or zip (e.g. an ecosystem's all.zip). */
  VIGIL_ADVISORY_FEEDS: urlList,
  VIGIL_ADVISORY_FEED_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(7 * 86400).default(3600),
  VIGIL_ADVISORY_FEED_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(300_000),
  VIGIL_ADVISORY_FEED_MAX_BYTES: z.coerce.number().int().min(1024).max(2 * 1024 * 1024 * 1024).default(256 * 1024 * 1024),
  VIGIL_SESSION_TTL_SECONDS: z.coerce.number().int().min(60).max(86400).default(3600),
});

export type PlatformEnv = z.infer<typeof platformEnvSchema>;
