import { buildPackage, type SbomPackage } from '../sbom';

/**
 * Catalogs one installed package's `node_modules/<name>/package.json`. Skips files without a
 * name or version, and `private` packages: they were never published, so registry advisories
 * for a same-named package do not apply. Malformed JSON yields no package, not an error.
 */
export function catalogNpmPackageJson(text: string): SbomPackage | undefined {
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) return undefined;
  const m = manifest as Record<string, unknown>;
  if (m['private'] === true) return undefined;
  const name = m['name'];
  const version = m['version'];
  if (typeof name !== 'string' || !name || typeof version !== 'string' || !version) return undefined;
  const slash = name.startsWith('@') ? name.indexOf('/') : -1;
  return buildPackage(
    'npm',
    slash > 0 ? name.slice(0, slash) : undefined,
    slash > 0 ? name.slice(slash + 1) : name,
    version,
    {},
    npmLicenses(m),
  );
}

/** `license: "MIT"`, the deprecated `license: {type}` and `licenses: [{type}]` forms. */
function npmLicenses(m: Record<string, unknown>): string[] | undefined {
  const typeOf = (v: unknown): string | undefined =>
    typeof v === 'string' ? v
    : typeof v === 'object' && v !== null && typeof (v as { type?: unknown }).type === 'string' ? (v as { type: string }).type
    : undefined;
  const single = typeOf(m['license']);
  const list = single ? [single] : Array.isArray(m['licenses']) ? m['licenses'].map(typeOf) : [];
  const licenses = list.filter((l): l is string => !!l);
  return licenses.length > 0 ? licenses : undefined;
}
