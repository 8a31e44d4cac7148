import type { Readable } from 'node:stream';
import { ContentTooLargeError } from '../errors/oci.errors';

/**
 * Reads a response body into memory but never more than `limit` bytes: a
 * registry that announces or streams more is cut off, so memory stays bounded
 * whatever it sends.
 */
export async function readBounded(body: Readable, limit: number, contentLength: string | undefined, what: string): Promise<Buffer> {
  const announced = contentLength !== undefined ? Number(contentLength) : NaN;
  if (Number.isFinite(announced) && announced > limit) {
    body.destroy();
    throw new ContentTooLargeError(limit, what);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    total += buffer.length;
    if (total > limit) {
      body.destroy();
      throw new ContentTooLargeError(limit, what);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks, total);
}
