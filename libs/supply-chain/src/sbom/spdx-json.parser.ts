import { expectRecord, optionalArray, optionalString, requiredString } from './json-shape.util';
import { isNoAssertion } from './license-expression.util';
import { PackageCollector } from './package-collector';
import { SbomError } from './sbom.error';
import type { ParsedSbom } from './sbom-package.model';
import type { SbomLimits } from './sbom-limits';

/** Parses an SPDX 2.2 / 2.3 JSON document (already JSON-parsed) into normalised packages. */
export function parseSpdxJson(doc: Record<string, unknown>, limits: SbomLimits): ParsedSbom {
  const max = limits.maxStringLength;
  const spdxVersion = requiredString(doc, 'spdxVersion', '', max);
  const version = /^SPDX-(2\.[23])$/.exec(spdxVersion)?.[1];
  if (!version) {
    throw new SbomError('unsupported-version', `SPDX version ${spdxVersion.slice(0, 40)} is not supported (2.2 and 2.3 are)`, 'spdxVersion');
  }
  const packages = optionalArray(doc, 'packages', '') ?? [];
  if (packages.length > limits.maxPackages) {
    throw new SbomError('too-many-packages', `${packages.length} packages exceed the limit of ${limits.maxPackages}`, 'packages');
  }
  const extracted = extractedLicenses(doc, max);
  const collector = new PackageCollector();
  packages.forEach((raw, i) => {
    const path = `packages[${i}]`;
    const pkg = expectRecord(raw, path);
    const name = requiredString(pkg, 'name', path, max);
    const versionInfo = optionalString(pkg, 'versionInfo', path, max);
    const declared = optionalString(pkg, 'licenseDeclared', path, max);
    const concluded = optionalString(pkg, 'licenseConcluded', path, max);
    const license = [declared, concluded].find((l) => l !== undefined && !isNoAssertion(l));
    const licenses = license === undefined ? undefined : [extracted.get(license) ?? license];
    collector.add(path, name, purlRefs(pkg, path, max), versionInfo || undefined, licenses);
  });
  return {
    format: 'spdx',
    specVersion: version,
    name: optionalString(doc, 'name', '', max),
    packages: collector.packages,
    skipped: collector.skipped,
  };
}

function purlRefs(pkg: Record<string, unknown>, path: string, max: number): string[] {
  const refs = optionalArray(pkg, 'externalRefs', path) ?? [];
  const purls: string[] = [];
  refs.forEach((raw, j) => {
    const refPath = `${path}.externalRefs[${j}]`;
    const ref = expectRecord(raw, refPath);
    // The category is PACKAGE-MANAGER in 2.3 and PACKAGE_MANAGER in 2.2; the type alone is decisive.
    if (optionalString(ref, 'referenceType', refPath, max) !== 'purl') return;
    purls.push(requiredString(ref, 'referenceLocator', refPath, max));
  });
  return purls;
}

/** LicenseRef-… ids resolve to their extracted text, which is how SPDX carries non-SPDX license names. */
function extractedLicenses(doc: Record<string, unknown>, max: number): Map<string, string> {
  const map = new Map<string, string>();
  (optionalArray(doc, 'hasExtractedLicensingInfos', '') ?? []).forEach((raw, i) => {
    const path = `hasExtractedLicensingInfos[${i}]`;
    const info = expectRecord(raw, path);
    const id = optionalString(info, 'licenseId', path, max);
    const text = optionalString(info, 'extractedText', path, max);
    if (id && text) map.set(id, text);
  });
  return map;
}
