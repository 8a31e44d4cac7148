import { createHash } from 'node:crypto';
import { DigestMismatchError } from '../errors/oci.errors';

/** Algorithms the OCI image spec registers; anything else cannot be verified, so it is refused. */
const ALGORITHMS = { sha256: 64, sha512: 128 } as const;
export type DigestAlgorithm = keyof typeof ALGORITHMS;

const DIGEST = /^(sha256|sha512):([a-f0-9]+)$/;

export interface ParsedDigest {
  readonly algorithm: DigestAlgorithm;
  readonly hex: string;
}

export function parseDigest(digest: string): ParsedDigest | undefined {
  const match = DIGEST.exec(digest);
  if (!match) return undefined;
  const algorithm = match[1] as DigestAlgorithm;
  const hex = match[2] ?? '';
  return hex.length === ALGORITHMS[algorithm] ? { algorithm, hex } : undefined;
}

export function isDigest(value: string): boolean {
  return parseDigest(value) !== undefined;
}

export function computeDigest(bytes: Uint8Array, algorithm: DigestAlgorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

/** Throws unless `bytes` hash to `expected` (with `expected`'s algorithm). */
export function assertDigest(bytes: Uint8Array, expected: string, what: string): void {
  const parsed = parseDigest(expected);
  if (!parsed) throw new DigestMismatchError(expected, '(unverifiable digest)', what);
  const actual = computeDigest(bytes, parsed.algorithm);
  if (actual !== expected) throw new DigestMismatchError(expected, actual, what);
}
