import { comparatorFor, parseEcosystem, SOURCE_NAMED_FAMILIES } from '../versions';
import { Advisory, AdvisorySeverity } from './advisory';
import { prepareAffected, PreparedAffected } from './affected-range';
import { AdvisoryHit, mergeAliasGroups } from './merge-matches';
import { normalisePackageName } from './package-name';
import { osvEcosystemFromPurl } from './purl-ecosystem';

/** One package of an SBOM or an inventory, in OSV terms. */
export interface PackageQuery {
  name: string;
  version: string;
  /** OSV ecosystem, e.g. `Alpine:v3.19`; derived from `purl` when empty. */
  ecosystem: string;
  purl?: string;
  /** apk origin, dpkg Source, or the purl's `upstream=` qualifier. */
  sourceName?: string;
}

export interface AdvisoryMatch {
  id: string;
  aliases: string[];
  upstream: string[];
  summary?: string;
  severity: AdvisorySeverity;
  package: { name: string; version: string; ecosystem: string; purl?: string };
  fixedVersion?: string;
}

interface IndexEntry {
  advisory: Advisory;
  /** Normalised release (`v3.19`, `12`) or undefined for a family-wide entry. */
  release?: string;
  prepared: PreparedAffected;
}

const key = (family: string, name: string): string => `${family}\u0000${name}`;

/**
 * Advisories bucketed by (ecosystem family, normalised package name), so a
 * package costs one map lookup plus the evaluation of the few entries that
 * name it. Withdrawn records are ignored; re-adding an id replaces it.
 */
export class AdvisoryIndex {
  private readonly byId = new Map<string, Advisory>();
  private buckets = new Map<string, IndexEntry[]>();
  private dirty = false;

  static from(advisories: Iterable<Advisory>): AdvisoryIndex {
    const index = new AdvisoryIndex();
    for (const a of advisories) index.add(a);
    return index;
  }

  get size(): number {
    return this.byId.size;
  }

  get(id: string): Advisory | undefined {
    return this.byId.get(id);
  }

  /** Adds or replaces (by id, unless the stored copy is newer) an advisory. */
  add(advisory: Advisory): void {
    const current = this.byId.get(advisory.id);
    if (current && current.modified > advisory.modified) return;
    if (advisory.withdrawn !== undefined) {
      // A withdrawn record no longer claims anything, including what an older copy claimed.
      if (this.byId.delete(advisory.id)) this.dirty = true;
      return;
    }
    this.byId.set(advisory.id, advisory);
    if (current) this.dirty = true;
    else this.insert(advisory);
  }

  remove(id: string): void {
    if (this.byId.delete(id)) this.dirty = true;
  }

  /** Every advisory affecting the package, alias-merged, sorted by id. */
  match(pkg: PackageQuery): AdvisoryMatch[] {
    if (this.dirty) this.rebuild();
    const ecosystem = pkg.ecosystem || (pkg.purl ? osvEcosystemFromPurl(pkg.purl) : undefined) || '';
    if (!ecosystem || !pkg.version) return [];
    const { family, release } = parseEcosystem(ecosystem);
    const hits = new Map<string, AdvisoryHit>();
    for (const name of candidateNames(family, pkg)) {
      for (const entry of this.buckets.get(key(family, normalisePackageName(ecosystem, name))) ?? []) {
        // A release-scoped entry matches only that release; a package of unknown release meets them all.
        if (entry.release !== undefined && release !== undefined && entry.release !== release) continue;
        const verdict = entry.prepared.evaluate(pkg.version);
        if (!verdict.affected) continue;
        const hit = hits.get(entry.advisory.id) ?? {
          advisory: entry.advisory,
          severity: entry.prepared.source.severity ?? entry.advisory.severity,
          fixes: [],
        };
        if (verdict.fixedVersion !== undefined) hit.fixes.push(verdict.fixedVersion);
        hits.set(entry.advisory.id, hit);
      }
    }
    const cmp = comparatorFor(ecosystem);
    const matched = {
      name: pkg.name,
      version: pkg.version,
      ecosystem,
      ...(pkg.purl !== undefined && { purl: pkg.purl }),
    };
    return mergeAliasGroups([...hits.values()], cmp).map((m) => ({ ...m, package: matched }));
  }

  /** Matches of every package, in package order. */
  matchAll(packages: Iterable<PackageQuery>): AdvisoryMatch[] {
    const out: AdvisoryMatch[] = [];
    for (const p of packages) out.push(...this.match(p));
    return out;
  }

  private insert(advisory: Advisory): void {
    for (const affected of advisory.affected) {
      const { family, release } = parseEcosystem(affected.ecosystem);
      const k = key(family, normalisePackageName(affected.ecosystem, affected.name));
      const bucket = this.buckets.get(k) ?? [];
      bucket.push({ advisory, ...(release !== undefined && { release }), prepared: prepareAffected(affected) });
      this.buckets.set(k, bucket);
    }
  }

  private rebuild(): void {
    this.buckets = new Map();
    for (const a of this.byId.values()) this.insert(a);
    this.dirty = false;
  }
}

/**
 * Distro advisories (Alpine, Debian, Ubuntu) name SOURCE packages, so a binary
 * package (libssl3, musl-utils) is looked up by its source when known. Other
 * ecosystems name what is installed; the source is a second chance (Wolfi
 * records list subpackages, but not always all of them).
 */
function candidateNames(family: string, pkg: PackageQuery): string[] {
  if (SOURCE_NAMED_FAMILIES.has(family)) return [pkg.sourceName || pkg.name];
  return pkg.sourceName && pkg.sourceName !== pkg.name ? [pkg.name, pkg.sourceName] : [pkg.name];
}
