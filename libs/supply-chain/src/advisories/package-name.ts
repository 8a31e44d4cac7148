import { parseEcosystem } from '../versions';

/** PEP 503: lowercase, runs of `-`, `_`, `.` become one `-`. */
export function normalisePypiName(name: string): string {
  return name.trim().toLowerCase().replace(/[-_.]+/g, '-');
}

/**
 * The form of a package name used as a matching key. Only PyPI names are
 * case- and separator-insensitive; npm, Go and distro names are compared as written.
 */
export function normalisePackageName(ecosystem: string, name: string): string {
  return parseEcosystem(ecosystem).family === 'PyPI' ? normalisePypiName(name) : name.trim();
}
