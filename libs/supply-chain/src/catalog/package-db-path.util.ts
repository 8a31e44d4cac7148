/** The files the image cataloger reads; everything else in a layer is streamed past unread. */
export type PackageDbKind =
  | 'os-release'
  | 'apk-installed'
  | 'dpkg-status'
  | 'dpkg-status-d'
  | 'npm-package-json'
  | 'python-metadata';

/** Largest file of each kind we accept; bigger means hostile or broken, and the image is refused. */
export const DEFAULT_PACKAGE_DB_FILE_LIMITS: Readonly<Record<PackageDbKind, number>> = {
  'os-release': 64 * 1024,
  'apk-installed': 64 * 1024 * 1024,
  'dpkg-status': 64 * 1024 * 1024,
  'dpkg-status-d': 4 * 1024 * 1024,
  // Old npm versions embedded the README in installed package.json files; Python METADATA holds the long description.
  'npm-package-json': 4 * 1024 * 1024,
  'python-metadata': 4 * 1024 * 1024,
};

const EXACT: Readonly<Record<string, PackageDbKind>> = {
  'etc/os-release': 'os-release',
  'usr/lib/os-release': 'os-release',
  'lib/apk/db/installed': 'apk-installed',
  'usr/lib/apk/db/installed': 'apk-installed',
  'var/lib/dpkg/status': 'dpkg-status',
};

const STATUS_D = /^var\/lib\/dpkg\/status\.d\/[^/.][^/]*$/;
// node_modules/<name>/package.json and node_modules/@scope/<name>/package.json at any depth; not .bin etc.
const NPM = /(?:^|\/)node_modules\/(?:@[^/]+\/)?[^/.][^/]*\/package\.json$/;
const PYTHON = /(?:^|\/)[^/]+\.(?:dist-info\/METADATA|egg-info\/PKG-INFO)$/;

/** Kind of package database at a normalised path (no leading slash), or undefined. */
export function packageDbKind(path: string): PackageDbKind | undefined {
  const exact = EXACT[path];
  if (exact) return exact;
  // distroless ships <pkg>.md5sums beside each status.d entry; those are not control files.
  if (STATUS_D.test(path)) return path.endsWith('.md5sums') ? undefined : 'dpkg-status-d';
  if (path.endsWith('/package.json') && NPM.test(path)) return 'npm-package-json';
  if (PYTHON.test(path)) return 'python-metadata';
  return undefined;
}
