import { z } from 'zod';

/**
 * DSSE pre-authentication encoding, what a DSSE signature is made over:
 * `DSSEv1 <len(type)> <type> <len(body)> <body>`, lengths in bytes.
 * (@sigstore/core has this as `preAuthEncoding`; it is not installed here and
 * the function is five lines.)
 */
export function preAuthEncoding(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
}

const base64 = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'not base64');

export const dsseEnvelopeSchema = z.object({
  payloadType: z.string().min(1),
  payload: base64,
  signatures: z.array(z.object({ keyid: z.string().optional(), sig: base64.min(1) })).min(1),
});

export type DsseEnvelope = z.infer<typeof dsseEnvelopeSchema>;

/** Strict decode: Buffer.from silently skips junk, which would hide a tampered signature encoding. */
export function decodeBase64(value: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(value)) return undefined;
  return Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}
