import { buildPackage, type SbomPackage } from '../sbom';
import { parseControlParagraphs } from './control-fields.util';
import { distroQualifier, type Distro } from './os-release.cataloger';

/**
 * Catalogs `var/lib/dpkg/status`: only entries whose Status says the package is installed
 * (`install ok installed`, or `hold ok installed`: held packages are installed too).
 * Entries in a deinstall/purge/half-installed state, or without a Status, are skipped.
 */
export function catalogDpkgStatus(text: string, distro?: Distro): SbomPackage[] {
  return catalog(text, distro, true);
}

/**
 * Catalogs one `var/lib/dpkg/status.d/<name>` file (distroless images): these usually carry no
 * Status field, so a missing Status means installed; a present one must still say installed.
 */
export function catalogDpkgStatusD(text: string, distro?: Distro): SbomPackage[] {
  return catalog(text, distro, false);
}

function catalog(text: string, distro: Distro | undefined, statusRequired: boolean): SbomPackage[] {
  const packages: SbomPackage[] = [];
  for (const fields of parseControlParagraphs(text)) {
    const status = fields.get('status');
    if (status === undefined ? statusRequired : !isInstalled(status)) continue;
    const name = fields.get('package');
    const version = fields.get('version');
    if (!name || !version) continue;
    const pkg = buildPackage('deb', distro?.id ?? 'unknown', name, version, {
      arch: fields.get('architecture'),
      distro: distroQualifier(distro),
      upstream: upstreamQualifier(fields.get('source')),
    });
    if (pkg) packages.push(pkg);
  }
  return packages;
}

function isInstalled(status: string): boolean {
  const [want, flag, state] = status.split(/\s+/);
  return (want === 'install' || want === 'hold') && flag === 'ok' && state === 'installed';
}

/** `Source: util-linux (2.38.1-5)` → `util-linux@2.38.1-5`, the form syft writes in `upstream=`. */
function upstreamQualifier(source: string | undefined): string | undefined {
  const m = source ? /^(\S+)(?:\s+\(([^)]+)\))?/.exec(source) : null;
  if (!m) return undefined;
  return m[2] ? `${m[1]}@${m[2].trim()}` : m[1];
}
