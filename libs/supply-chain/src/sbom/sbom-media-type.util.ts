import type { SbomFormat } from './sbom-package.model';

export const SBOM_MEDIA_TYPES: Readonly<Record<SbomFormat, string>> = {
  spdx: 'application/spdx+json',
  cyclonedx: 'application/vnd.cyclonedx+json',
};

/**
 * Picks the SBOM format for an HTTP `Accept` header (for `GET /v1/images/:digest/sbom`): highest
 * q-value wins, ties go to the earlier entry, and a header naming neither (absent, `*\/*`,
 * `application/json`) gets SPDX. Returns undefined when the client accepts only other types (a 406).
 */
export function negotiateSbomFormat(accept: string | undefined): SbomFormat | undefined {
  if (!accept || !accept.trim()) return 'spdx';
  let best: { format: SbomFormat; q: number } | undefined;
  for (const part of accept.split(',')) {
    const [type, ...params] = part.trim().toLowerCase().split(';').map((s) => s.trim());
    const qParam = params.find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!(q > 0)) continue;
    const format: SbomFormat | undefined =
      type === SBOM_MEDIA_TYPES.cyclonedx ? 'cyclonedx'
      : type === SBOM_MEDIA_TYPES.spdx || type === 'application/json' || type === 'application/*' || type === '*/*' ? 'spdx'
      : undefined;
    if (format && (!best || q > best.q)) best = { format, q };
  }
  return best?.format;
}
