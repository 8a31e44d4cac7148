import { z } from 'zod';

/** cosign's simple-signing payload (`critical` is what the signature binds to the image). */
export const simpleSigningPayloadSchema = z.object({
  critical: z.object({
    identity: z.object({ 'docker-reference': z.string() }),
    image: z.object({ 'docker-manifest-digest': z.string() }),
    type: z.string(),
  }),
  optional: z.record(z.string(), z.unknown()).nullish(),
});

export type SimpleSigningPayload = z.infer<typeof simpleSigningPayloadSchema>;

export const IN_TOTO_STATEMENT_TYPES: readonly string[] = ['https://in-toto.io/Statement/v0.1', 'https://in-toto.io/Statement/v1'];

export const inTotoStatementSchema = z.object({
  _type: z.string().refine((t) => IN_TOTO_STATEMENT_TYPES.includes(t), 'not an in-toto Statement type'),
  subject: z.array(z.object({ name: z.string().optional(), digest: z.record(z.string(), z.string()) })).min(1),
  predicateType: z.string().min(1),
  predicate: z.unknown().optional(),
});

export type InTotoStatement = z.infer<typeof inTotoStatementSchema>;
