/** Bounds on what an uploaded SBOM may cost us; every parser entry point takes a partial override. */
export interface SbomLimits {
  /** Raw input size. */
  maxBytes: number;
  /** SPDX packages or CycloneDX components (all nesting levels), counted before any is converted. */
  maxPackages: number;
  /** Nesting depth of CycloneDX `components`. */
  maxDepth: number;
  /** Length of any string field we read (names, versions, purls). */
  maxStringLength: number;
}

export const DEFAULT_SBOM_LIMITS: Readonly<SbomLimits> = {
  maxBytes: 64 * 1024 * 1024,
  maxPackages: 100_000,
  maxDepth: 32,
  maxStringLength: 16 * 1024,
};

export function resolveSbomLimits(overrides: Partial<SbomLimits> = {}): SbomLimits {
  return { ...DEFAULT_SBOM_LIMITS, ...overrides };
}
