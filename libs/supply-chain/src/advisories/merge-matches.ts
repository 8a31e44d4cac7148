import { VersionComparator } from '../versions';
import { Advisory, AdvisorySeverity } from './advisory';
import { maxSeverity } from './severity';

export interface AdvisoryHit {
  advisory: Advisory;
  severity: AdvisorySeverity;
  /** Fixed versions claimed by the entries that matched. */
  fixes: string[];
}

export interface MergedMatch {
  id: string;
  aliases: string[];
  upstream: string[];
  summary?: string;
  severity: AdvisorySeverity;
  fixedVersion?: string;
}

function highest(versions: string[], cmp: VersionComparator | undefined): string | undefined {
  // With several records (or entries) claiming fixes, only the highest fixes them all.
  return versions.reduce<string | undefined>(
    (best, v) => (best === undefined || (cmp ? cmp.compare(v, best) > 0 : v > best) ? v : best),
    undefined,
  );
}

/** CVE ids are the aliases people search for; the database's own id names the group. */
function representative(ids: string[]): string {
  return [...ids].sort((a, b) => Number(a.startsWith('CVE-')) - Number(b.startsWith('CVE-')) || (a < b ? -1 : 1))[0];
}

/**
 * Collapses hits for one package that describe the same vulnerability: records
 * joined by an alias (one's id among another's aliases, or a shared alias).
 */
export function mergeAliasGroups(hits: AdvisoryHit[], cmp: VersionComparator | undefined): MergedMatch[] {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r) ?? r;
    parent.set(x, r);
    return r;
  };
  const union = (a: string, b: string): void => {
    if (!parent.has(a)) parent.set(a, a);
    if (!parent.has(b)) parent.set(b, b);
    parent.set(find(a), find(b));
  };
  for (const h of hits) {
    union(h.advisory.id, h.advisory.id);
    for (const alias of h.advisory.aliases) union(h.advisory.id, alias);
  }

  const groups = new Map<string, AdvisoryHit[]>();
  for (const h of hits) {
    const root = find(h.advisory.id);
    groups.set(root, [...(groups.get(root) ?? []), h]);
  }

  const merged: MergedMatch[] = [];
  for (const group of groups.values()) {
    const id = representative(group.map((h) => h.advisory.id));
    const lead = group.find((h) => h.advisory.id === id) ?? group[0];
    const aliases = new Set<string>();
    const upstream = new Set<string>();
    for (const h of group) {
      for (const a of [h.advisory.id, ...h.advisory.aliases]) aliases.add(a);
      for (const u of h.advisory.upstream) upstream.add(u);
    }
    aliases.delete(id);
    const fixedVersion = highest(
      group.flatMap((h) => h.fixes),
      cmp,
    );
    const summary = lead.advisory.summary ?? group.find((h) => h.advisory.summary)?.advisory.summary;
    merged.push({
      id,
      aliases: [...aliases].sort(),
      upstream: [...upstream].sort(),
      ...(summary !== undefined && { summary }),
      severity: group.map((h) => h.severity).reduce(maxSeverity),
      ...(fixedVersion !== undefined && { fixedVersion }),
    });
  }
  return merged.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
