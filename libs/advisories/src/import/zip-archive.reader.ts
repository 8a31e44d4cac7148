import { crc32, inflateRawSync } from 'node:zlib';

// A small zip reader for OSV exports (`all.zip`): the central directory is
// trusted for nothing but offsets; every entry's size, method and CRC are
// checked while it is inflated, one entry at a time, with an output cap, so a
// hostile archive costs at most the limits below. (yauzl is only a dev
// dependency here, and we need the in-memory, bounded subset anyway.)

export interface ZipLimits {
  /** Entries in the central directory, files and directories alike. */
  maxEntries: number;
  /** Uncompressed size of one entry. */
  maxEntryBytes: number;
  /** Uncompressed bytes over the whole archive: bounds the work a zip bomb causes. */
  maxTotalBytes: number;
}

export const DEFAULT_ZIP_LIMITS: Readonly<ZipLimits> = {
  maxEntries: 500_000,
  maxEntryBytes: 4 * 1024 * 1024,
  maxTotalBytes: 2 * 1024 * 1024 * 1024,
};

export class ZipError extends Error {
  override readonly name = 'ZipError';
}

export interface ZipEntry {
  name: string;
  /** Inflates (and checks) the entry; call at most once per entry, in any order. */
  read(): Buffer;
}

const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;
const MAX_COMMENT = 0xffff;

export function isZip(bytes: Buffer): boolean {
  return bytes.length >= 4 && bytes.readUInt32LE(0) === LOCAL_SIG;
}

/** Lists the file entries of an in-memory zip (directories skipped), refusing malformed or oversized archives. */
export function readZipEntries(zip: Buffer, options: Partial<ZipLimits> = {}): ZipEntry[] {
  const limits: ZipLimits = { ...DEFAULT_ZIP_LIMITS, ...options };
  const { count, offset: cdOffset, size: cdSize } = findCentralDirectory(zip);
  if (count > limits.maxEntries) throw new ZipError(`zip has ${count} entries; the limit is ${limits.maxEntries}`);
  if (cdOffset + cdSize > zip.length) throw new ZipError('zip central directory lies outside the archive');

  const entries: ZipEntry[] = [];
  let total = 0;
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > zip.length || zip.readUInt32LE(p) !== CENTRAL_SIG) throw new ZipError(`zip central directory entry ${i} is corrupt`);
    const flags = zip.readUInt16LE(p + 8);
    const method = zip.readUInt16LE(p + 10);
    const crc = zip.readUInt32LE(p + 16);
    let compressed = zip.readUInt32LE(p + 20);
    let size = zip.readUInt32LE(p + 24);
    const nameLength = zip.readUInt16LE(p + 28);
    const extraLength = zip.readUInt16LE(p + 30);
    const commentLength = zip.readUInt16LE(p + 32);
    let localOffset = zip.readUInt32LE(p + 42);
    const name = zip.toString('utf8', p + 46, p + 46 + nameLength);
    const extra = zip.subarray(p + 46 + nameLength, p + 46 + nameLength + extraLength);
    if (size === 0xffffffff || compressed === 0xffffffff || localOffset === 0xffffffff) {
      ({ size, compressed, localOffset } = zip64Sizes(extra, { size, compressed, localOffset }, name));
    }
    p += 46 + nameLength + extraLength + commentLength;
    if (name.endsWith('/')) continue;
    if (flags & 0x1) throw new ZipError(`${name}: encrypted zip entries are not supported`);
    if (method !== 0 && method !== 8) throw new ZipError(`${name}: compression method ${method} is not supported (only stored and deflate)`);
    if (size > limits.maxEntryBytes) throw new ZipError(`${name}: ${size} bytes uncompressed; the limit is ${limits.maxEntryBytes}`);
    total += size;
    if (total > limits.maxTotalBytes) throw new ZipError(`zip expands to more than ${limits.maxTotalBytes} bytes`);
    entries.push({ name, read: () => readEntry(zip, { name, method, crc, compressed, size, localOffset }) });
  }
  return entries;
}

interface EntryInfo {
  name: string;
  method: number;
  crc: number;
  compressed: number;
  size: number;
  localOffset: number;
}

function readEntry(zip: Buffer, e: EntryInfo): Buffer {
  if (e.localOffset + 30 > zip.length || zip.readUInt32LE(e.localOffset) !== LOCAL_SIG) throw new ZipError(`${e.name}: local header is missing`);
  const start = e.localOffset + 30 + zip.readUInt16LE(e.localOffset + 26) + zip.readUInt16LE(e.localOffset + 28);
  if (start + e.compressed > zip.length) throw new ZipError(`${e.name}: data runs past the end of the archive`);
  const raw = zip.subarray(start, start + e.compressed);
  let data: Buffer;
  if (e.method === 0) {
    data = raw;
  } else {
    try {
      // The cap is the declared size + 1: a stream that inflates further lied about its size.
      data = inflateRawSync(raw, { maxOutputLength: e.size + 1 });
    } catch (err) {
      const message = (err as Error).message;
      throw new ZipError(/maxOutputLength|buffer/i.test(message) ? `${e.name}: inflates beyond its declared size ${e.size}` : `${e.name}: corrupt deflate data (${message})`);
    }
  }
  if (data.length !== e.size) throw new ZipError(`${e.name}: is ${data.length} bytes, the directory says ${e.size}`);
  if ((crc32(data) >>> 0) !== e.crc) throw new ZipError(`${e.name}: CRC mismatch`);
  return data;
}

function findCentralDirectory(zip: Buffer): { count: number; offset: number; size: number } {
  const floor = Math.max(0, zip.length - 22 - MAX_COMMENT);
  for (let p = zip.length - 22; p >= floor; p--) {
    if (zip.readUInt32LE(p) !== EOCD_SIG) continue;
    let count = zip.readUInt16LE(p + 10);
    let size = zip.readUInt32LE(p + 12);
    let offset = zip.readUInt32LE(p + 16);
    if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
      // Zip64: the locator sits right before the classic record and points at the zip64 record.
      const locator = p - 20;
      if (locator < 0 || zip.readUInt32LE(locator) !== ZIP64_LOCATOR_SIG) throw new ZipError('zip64 locator is missing');
      const z = safeNumber(zip.readBigUInt64LE(locator + 8), 'zip64 record offset');
      if (z + 56 > zip.length || zip.readUInt32LE(z) !== ZIP64_EOCD_SIG) throw new ZipError('zip64 end record is corrupt');
      count = safeNumber(zip.readBigUInt64LE(z + 32), 'entry count');
      size = safeNumber(zip.readBigUInt64LE(z + 40), 'central directory size');
      offset = safeNumber(zip.readBigUInt64LE(z + 48), 'central directory offset');
    }
    return { count, offset, size };
  }
  throw new ZipError('not a zip archive (no end of central directory record)');
}

function zip64Sizes(extra: Buffer, d: { size: number; compressed: number; localOffset: number }, name: string) {
  for (let p = 0; p + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(p);
    const length = extra.readUInt16LE(p + 2);
    if (id === 0x0001) {
      let q = p + 4;
      const next = (what: string): number => {
        if (q + 8 > p + 4 + length) throw new ZipError(`${name}: zip64 extra field is short`);
        const v = safeNumber(extra.readBigUInt64LE(q), what);
        q += 8;
        return v;
      };
      // Only the fields that overflowed are present, in this order.
      const size = d.size === 0xffffffff ? next('size') : d.size;
      const compressed = d.compressed === 0xffffffff ? next('compressed size') : d.compressed;
      const localOffset = d.localOffset === 0xffffffff ? next('offset') : d.localOffset;
      return { size, compressed, localOffset };
    }
    p += 4 + length;
  }
  throw new ZipError(`${name}: zip64 sizes are missing`);
}

function safeNumber(v: bigint, what: string): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ZipError(`zip ${what} is out of range`);
  return Number(v);
}
