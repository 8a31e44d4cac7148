import { createHash } from 'node:crypto';

/**
 * A UUID (version-5 layout, SHA-256 based) derived from a name: the same
 * transition always gets the same event id, so a replay inserts nothing twice
 * and receivers can de-duplicate across redeliveries.
 */
export function stableUuid(name: string): string {
  const h = createHash('sha256').update(name).digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
