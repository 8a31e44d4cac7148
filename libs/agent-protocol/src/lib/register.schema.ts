import { z } from 'zod';
import { IdSchema, VersionStringSchema } from './common.schema';

// Direction decides strictness (see README): requests the platform receives are
// strict (unknown keys rejected), responses the agent receives strip unknown keys
// so a newer platform never breaks an older agent.

/** Base64url, at least 256 bits: what `generateCredentialSecret` mints. */
export const CredentialSecretSchema = z
  .string()
  .min(43, { abort: true })
  .max(256, { abort: true })
  .regex(/^[A-Za-z0-9_-]+$/, 'must be base64url');

/** POST /v1/agent/register — the only unsigned agent call; the token is the proof. */
export const RegisterRequestSchema = z.strictObject({
  registrationToken: z.string().min(16, { abort: true }).max(512, { abort: true }).regex(/^[\x21-\x7e]+$/, 'must be printable ASCII'),
  agentVersion: VersionStringSchema.optional(),
  kubernetesVersion: VersionStringSchema.optional(),
});
export type RegisterRequest = z.infer<typeof RegisterRequestSchema>;

/** The cluster credential. `secret` is shown once; the platform stores it encrypted. */
export const ClusterCredentialSchema = z.object({
  clusterId: IdSchema,
  keyId: IdSchema,
  secret: CredentialSecretSchema,
});
export type ClusterCredential = z.infer<typeof ClusterCredentialSchema>;

export const RegisterResponseSchema = ClusterCredentialSchema;
export type RegisterResponse = z.infer<typeof RegisterResponseSchema>;
