import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';

// Test-only: builds real layer blobs in memory, the way image builders write them.

export interface TarEntry {
  name: string;
  data?: string | Buffer;
  type?: 'file' | 'directory' | 'symlink' | 'link';
  linkname?: string;
}

export async function tarLayer(entries: TarEntry[], gzip = true): Promise<Buffer> {
  const tar = pack();
  for (const { name, data, type = 'file', linkname } of entries) {
    const header = { name, type, ...(linkname ? { linkname } : {}) };
    if (type === 'file') tar.entry(header, data ?? '');
    else tar.entry(header, '');
  }
  tar.finalize();
  const parts: Buffer[] = [];
  for await (const chunk of tar) parts.push(chunk as Buffer);
  const raw = Buffer.concat(parts);
  return gzip ? gzipSync(raw) : raw;
}

/** A blob served in small chunks, as a registry response would arrive. */
export function chunks(blob: Buffer, size = 16 * 1024): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < blob.length; i += size) out.push(blob.subarray(i, i + size));
  return out;
}
