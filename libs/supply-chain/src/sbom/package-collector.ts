import type { PackageURL } from 'packageurl-js';
import { packageFromPurl, parsePurl } from './purl.util';
import type { SbomPackage, SkippedComponent } from './sbom-package.model';

/** Gathers packages in document order, de-duplicated by purl, and records what was skipped and why. */
export class PackageCollector {
  readonly packages: SbomPackage[] = [];
  readonly skipped: SkippedComponent[] = [];
  private readonly seen = new Set<string>();

  /** `purls` are the component's purl candidates in preference order; the first valid one is used. */
  add(path: string, name: string | undefined, purls: string[], version?: string, licenses?: string[]): void {
    if (purls.length === 0) return this.skip(path, name, 'no purl');
    const purl: PackageURL | undefined = purls.map(parsePurl).find((p) => p !== undefined);
    if (!purl) return this.skip(path, name, `invalid purl: ${purls[0].slice(0, 200)}`);
    const resolved = packageFromPurl(purl, version, licenses);
    if ('reason' in resolved) return this.skip(path, name, resolved.reason);
    if (this.seen.has(resolved.package.purl)) return;
    this.seen.add(resolved.package.purl);
    this.packages.push(resolved.package);
  }

  skip(path: string, name: string | undefined, reason: string): void {
    this.skipped.push(name === undefined ? { path, reason } : { path, name, reason });
  }
}
