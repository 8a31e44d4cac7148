import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract, type ExtractEvents } from 'tar-stream';
import { CatalogError } from './catalog.error';
import { LayeredFileView } from './layered-file-view';
import { catalogFileView, type ImageCatalog } from './package-db.cataloger';
import { DEFAULT_PACKAGE_DB_FILE_LIMITS, packageDbKind, type PackageDbKind } from './package-db-path.util';

const GiB = 1024 * 1024 * 1024;

/** tar-stream's entry stream type, which its typings do not export by name. */
type Entry = ExtractEvents['entry'][1];

export interface LayerCatalogLimits {
  maxLayers: number;
  /** Tar entries over all layers. */
  maxEntries: number;
  /** Declared size of any one entry, read or not. */
  maxEntryBytes: number;
  /** Uncompressed tar bytes over all layers: bounds the work a gzip bomb can cause. */
  maxDecompressedBytes: number;
  /** Package-database bytes held in memory over all layers. */
  maxCollectedBytes: number;
  fileLimits: Readonly<Record<PackageDbKind, number>>;
}

export const DEFAULT_LAYER_CATALOG_LIMITS: Readonly<LayerCatalogLimits> = {
  maxLayers: 256,
  maxEntries: 2_000_000,
  maxEntryBytes: 8 * GiB,
  maxDecompressedBytes: 32 * GiB,
  maxCollectedBytes: 512 * 1024 * 1024,
  fileLimits: DEFAULT_PACKAGE_DB_FILE_LIMITS,
};

/** A layer blob as a byte stream: a Node Readable, a fetch body iterator, or in-memory chunks. */
export type LayerSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

interface Budget {
  limits: LayerCatalogLimits;
  entries: number;
  decompressed: number;
  collected: number;
}

/**
 * Catalogs an image from its layer blobs (gzip'd or plain tar), streamed in order, base first.
 * Only package databases are buffered; everything else is skipped as it streams past. Whiteouts
 * are honoured, then the catalogers run over the final view. Hostile or malformed layers are
 * refused with a `CatalogError`; memory stays bounded by the limits.
 */
export async function catalogImageLayers(
  layers: AsyncIterable<LayerSource> | Iterable<LayerSource>,
  options: Partial<LayerCatalogLimits> = {},
): Promise<ImageCatalog> {
  const limits: LayerCatalogLimits = { ...DEFAULT_LAYER_CATALOG_LIMITS, ...options };
  const budget: Budget = { limits, entries: 0, decompressed: 0, collected: 0 };
  const view = new LayeredFileView();
  let index = 0;
  for await (const layer of layers) {
    if (index >= limits.maxLayers) throw new CatalogError('too-many-layers', `more than ${limits.maxLayers} layers`);
    view.beginLayer();
    await readLayer(layer, index, view, budget);
    view.endLayer();
    index += 1;
  }
  return catalogFileView(view.resolve());
}

async function readLayer(source: LayerSource, layer: number, view: LayeredFileView, budget: Budget): Promise<void> {
  const chunks = sourceChunks(source, layer);
  const head = await peek(chunks, 4, layer);
  if (head.length === 0) return; // an empty blob: nothing to apply
  const stages: NodeJS.ReadWriteStream[] = [];
  if (head[0] === 0x1f && head[1] === 0x8b) stages.push(createGunzip());
  else if (head.readUInt32LE(0) === 0xfd2fb528) {
    throw new CatalogError('unsupported-compression', 'zstd layers are not supported yet', layer);
  }
  stages.push(byteBudget(budget, layer));

  const tar = extract();
  const pumped = pipeline([Readable.from(prepend(head, chunks)), ...stages, tar]).then(
    () => undefined,
    (err: unknown) => err,
  );
  let failure: unknown;
  try {
    for await (const entry of tar) await applyEntry(entry, layer, view, budget);
  } catch (err) {
    failure = err;
    tar.destroy();
  }
  const pumpFailure = await pumped;
  const err = [failure, pumpFailure].find((e) => e instanceof CatalogError) ?? failure ?? pumpFailure;
  if (err instanceof CatalogError) throw err;
  if (err) throw new CatalogError('invalid-layer', `not a readable tar layer: ${(err as Error).message}`, layer, { cause: err });
}

async function applyEntry(entry: Entry, layer: number, view: LayeredFileView, budget: Budget): Promise<void> {
  const { limits } = budget;
  const header = entry.header;
  budget.entries += 1;
  if (budget.entries > limits.maxEntries) {
    throw new CatalogError('too-many-entries', `more than ${limits.maxEntries} tar entries`, layer);
  }
  const path = normalizeEntryPath(header.name, layer);
  const size = header.size ?? 0;
  if (size > limits.maxEntryBytes) {
    throw new CatalogError('entry-too-large', `${path} declares ${size} bytes (limit ${limits.maxEntryBytes})`, layer);
  }
  if (path === '') {
    entry.resume(); // the root directory itself
    return;
  }

  const slash = path.lastIndexOf('/');
  const dir = slash < 0 ? '' : path.slice(0, slash);
  const base = path.slice(slash + 1);
  if (base.startsWith('.wh.')) {
    if (base === '.wh..wh..opq') view.opaqueDir(dir);
    // Other `.wh..wh.*` names are aufs bookkeeping, not whiteouts.
    else if (!base.startsWith('.wh..wh.')) view.whiteout(dir ? `${dir}/${base.slice(4)}` : base.slice(4));
    entry.resume();
    return;
  }
  view.touch(path, header.type === 'directory');
  const kind = packageDbKind(path);
  if (!kind || header.type === 'directory') {
    entry.resume();
    return;
  }
  if (header.type === 'symlink' || header.type === 'link') {
    const target = header.linkname ?? '';
    view.addLink(path, header.type === 'link' ? normalizeEntryPath(target, layer) : target, header.type === 'link');
    entry.resume();
    return;
  }
  if (header.type !== 'file' && header.type !== 'contiguous-file') {
    entry.resume();
    return;
  }
  const max = limits.fileLimits[kind];
  if (size > max) throw new CatalogError('file-too-large', `${path} is ${size} bytes (limit ${max} for ${kind})`, layer);
  budget.collected += size;
  if (budget.collected > limits.maxCollectedBytes) {
    throw new CatalogError('collected-too-large', `package databases exceed ${limits.maxCollectedBytes} bytes`, layer);
  }
  view.addFile(path, await readEntry(entry, size, layer));
}

/**
 * Tar names are relative to the image root. A leading `/` or `./` is normalised away; any `..`
 * segment is refused outright (legitimate layers never need one) as are NUL bytes.
 */
export function normalizeEntryPath(name: string, layer?: number): string {
  if (name.includes('\0')) throw new CatalogError('path-traversal', 'entry name contains a NUL byte', layer);
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new CatalogError('path-traversal', `entry name escapes the root: ${name.slice(0, 200)}`, layer);
  return parts.join('/');
}

async function readEntry(entry: Entry, size: number, layer: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let length = 0;
  for await (const data of entry) {
    const chunk = data as Buffer;
    length += chunk.length;
    // tar-stream never yields more than the header's size; this guards the invariant we rely on.
    if (length > size) throw new CatalogError('invalid-layer', 'entry longer than its header says', layer);
    parts.push(chunk);
  }
  return Buffer.concat(parts, length);
}

/** Counts uncompressed bytes against the image-wide budget and stops the stream when it is spent. */
function byteBudget(budget: Budget, layer: number): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
      budget.decompressed += chunk.length;
      if (budget.decompressed > budget.limits.maxDecompressedBytes) {
        done(new CatalogError('decompressed-too-large', `layers decompress to more than ${budget.limits.maxDecompressedBytes} bytes`, layer));
        return;
      }
      done(null, chunk);
    },
  });
}

/** Source chunks as Buffers; a failure of the source itself is a retryable read error, not bad content. */
async function* sourceChunks(source: LayerSource, layer: number): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of source) yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  } catch (err) {
    throw new CatalogError('layer-read-failed', `reading the layer failed: ${(err as Error).message}`, layer, { cause: err });
  }
}

/** Reads at least `n` bytes (fewer only at end of stream) for magic-number sniffing. */
async function peek(chunks: AsyncGenerator<Buffer>, n: number, layer: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let length = 0;
  while (length < n) {
    const next = await chunks.next();
    if (next.done) break;
    parts.push(next.value);
    length += next.value.length;
  }
  const head = Buffer.concat(parts, length);
  if (length > 0 && length < n) throw new CatalogError('invalid-layer', `layer is only ${length} bytes`, layer);
  return head;
}

async function* prepend(head: Buffer, rest: AsyncGenerator<Buffer>): AsyncGenerator<Buffer> {
  yield head;
  yield* rest;
}
