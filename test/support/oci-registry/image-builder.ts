import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';

/** Content-addressed bytes with their descriptor fields. */
export interface Blob {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly bytes: Buffer;
}

export interface TestImage {
  readonly manifest: Blob;
  readonly config: Blob;
  readonly layers: readonly Blob[];
  readonly platform: { os: string; architecture: string; variant?: string };
}

export interface TestIndex {
  readonly index: Blob;
  readonly images: readonly TestImage[];
}

export const sha256 = (bytes: Buffer): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

export function blob(mediaType: string, bytes: Buffer): Blob {
  return { mediaType, digest: sha256(bytes), size: bytes.length, bytes };
}

export const descriptor = (b: Blob, extra: object = {}) => ({ mediaType: b.mediaType, digest: b.digest, size: b.size, ...extra });

async function tarGz(name: string, content: string): Promise<{ gz: Buffer; tar: Buffer }> {
  const archive = pack();
  archive.entry({ name, mtime: new Date(0) }, content);
  archive.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of archive) chunks.push(chunk as Buffer);
  const tar = Buffer.concat(chunks);
  return { tar, gz: gzipSync(tar) };
}

/** A small but real OCI image: one gzip tar layer holding `/hello` with `content`. */
export async function buildImage(content: string, platform: TestImage['platform'] = { os: 'linux', architecture: 'amd64' }): Promise<TestImage> {
  const { tar, gz } = await tarGz('hello', content);
  const layer = blob('application/vnd.oci.image.layer.v1.tar+gzip', gz);
  const config = blob(
    'application/vnd.oci.image.config.v1+json',
    Buffer.from(JSON.stringify({ ...platform, rootfs: { type: 'layers', diff_ids: [sha256(tar)] }, config: { Cmd: ['/hello'] } })),
  );
  const manifest = blob(
    'application/vnd.oci.image.manifest.v1+json',
    Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: descriptor(config), layers: [descriptor(layer)] })),
  );
  return { manifest, config, layers: [layer], platform };
}

export function buildIndex(images: readonly TestImage[]): TestIndex {
  const index = blob(
    'application/vnd.oci.image.index.v1+json',
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: images.map((image) => descriptor(image.manifest, { platform: image.platform })),
      }),
    ),
  );
  return { index, images };
}

/** Writes an OCI image layout directory (what `skopeo copy oci:DIR:TAG …` reads). */
export async function writeOciLayout(dir: string, tag: string, content: TestImage | TestIndex): Promise<void> {
  const blobsDir = path.join(dir, 'blobs', 'sha256');
  await mkdir(blobsDir, { recursive: true });
  const images = 'index' in content ? content.images : [content];
  const all = [...images.flatMap((image) => [image.manifest, image.config, ...image.layers]), ...('index' in content ? [content.index] : [])];
  for (const b of all) await writeFile(path.join(blobsDir, b.digest.slice('sha256:'.length)), b.bytes);
  const top = 'index' in content ? content.index : content.manifest;
  await writeFile(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(
    path.join(dir, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [descriptor(top, { annotations: { 'org.opencontainers.image.ref.name': tag } })] }),
  );
}
