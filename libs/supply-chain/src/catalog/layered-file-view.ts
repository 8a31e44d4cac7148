import { posix } from 'node:path';

type Entry = { data: Buffer } | { link: string };

// Symlink chains longer than this are treated as dangling (loops included).
const MAX_LINK_HOPS = 8;

/**
 * The union filesystem of an image, restricted to the files we collect. Layers are applied in
 * order with OCI whiteout semantics: within a layer, whiteouts and replacements hide content of
 * LOWER layers only (tar order inside the layer does not matter), then the layer's files land.
 */
export class LayeredFileView {
  private readonly files = new Map<string, Entry>();
  private dirs = new Set<string>();
  private layerFiles = new Map<string, Entry>();
  private hidden: string[] = [];
  private opaque: string[] = [];

  beginLayer(): void {
    this.layerFiles = new Map();
    this.hidden = [];
    this.opaque = [];
  }

  /**
   * Any entry in the current layer replaces what lower layers had at its path; a non-directory
   * also hides everything a lower layer had beneath it. Only paths that hide collected files are kept.
   */
  touch(path: string, isDirectory: boolean): void {
    if (this.files.has(path) || (!isDirectory && this.dirs.has(path))) this.hidden.push(path);
  }

  /** `.wh.<name>`: removes `path` and anything beneath it from lower layers. */
  whiteout(path: string): void {
    if (this.files.has(path) || this.dirs.has(path)) this.hidden.push(path);
  }

  /** `.wh..wh..opq` in `dir`: hides all lower-layer content of that directory. */
  opaqueDir(dir: string): void {
    if (dir === '' || this.dirs.has(dir)) this.opaque.push(dir);
  }

  addFile(path: string, data: Buffer): void {
    this.layerFiles.set(path, { data });
  }

  /** A symlink (target resolved against the link's directory) or hardlink (target from the root). */
  addLink(path: string, target: string, hard: boolean): void {
    const resolved = hard ? target : posix.join(posix.dirname(path), target);
    // Links resolve inside the image root: `..` above it stays at the root, as in a chroot.
    this.layerFiles.set(path, { link: posix.normalize(`/${resolved}`).replace(/^\/+/, '') });
  }

  endLayer(): void {
    for (const path of this.hidden) this.removeTree(path, true);
    for (const dir of this.opaque) this.removeTree(dir, false);
    for (const [path, entry] of this.layerFiles) this.files.set(path, entry);
    this.layerFiles = new Map();
    this.dirs = new Set();
    for (const path of this.files.keys()) {
      for (let dir = posix.dirname(path); dir !== '.'; dir = posix.dirname(dir)) this.dirs.add(dir);
    }
  }

  /** Final contents, links resolved; dangling links are dropped. */
  resolve(): Map<string, Buffer> {
    const out = new Map<string, Buffer>();
    for (const path of this.files.keys()) {
      let entry = this.files.get(path);
      for (let hops = 0; entry && 'link' in entry && hops < MAX_LINK_HOPS; hops += 1) entry = this.files.get(entry.link);
      if (entry && 'data' in entry) out.set(path, entry.data);
    }
    return out;
  }

  private removeTree(path: string, includeSelf: boolean): void {
    const prefix = path === '' ? '' : `${path}/`;
    for (const key of [...this.files.keys()]) {
      if ((includeSelf && key === path) || key.startsWith(prefix)) this.files.delete(key);
    }
  }
}
