import { isSpdxExpression } from './license-expression.util';
import type { SbomPackage } from './sbom-package.model';
import { DEFAULT_SBOM_TOOL, sbomContentDigest, type SbomWriteOptions } from './sbom-write-options.model';

type CycloneDxLicense = { expression: string } | { license: { name: string } };

export interface CycloneDxComponentJson {
  'bom-ref': string;
  type: 'library' | 'container';
  name: string;
  version?: string;
  purl?: string;
  licenses?: CycloneDxLicense[];
}

export interface CycloneDxBomJson {
  $schema: string;
  bomFormat: 'CycloneDX';
  specVersion: '1.5';
  serialNumber: string;
  version: 1;
  metadata: {
    timestamp: string;
    tools: { components: { type: 'application'; name: string; version?: string }[] };
    component?: CycloneDxComponentJson;
  };
  components: CycloneDxComponentJson[];
}

/** Writes packages as a CycloneDX 1.5 JSON BOM that `parseSbom` reads back to the same packages. */
export function toCycloneDxJson(packages: readonly SbomPackage[], options: SbomWriteOptions): CycloneDxBomJson {
  const tool = options.tool ?? DEFAULT_SBOM_TOOL;
  const bom: CycloneDxBomJson = {
    $schema: 'http://cyclonedx.org/schema/bom-1.5.schema.json',
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    serialNumber: `urn:uuid:${uuidFromDigest(sbomContentDigest(packages, options))}`,
    version: 1,
    metadata: {
      timestamp: (options.created ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      tools: { components: [{ type: 'application', name: tool.name, ...(tool.version ? { version: tool.version } : {}) }] },
    },
    components: packages.map((pkg) => ({
      // purls are unique within a parsed or cataloged package list, so they make stable refs.
      'bom-ref': pkg.purl,
      type: 'library',
      name: pkg.name,
      version: pkg.version,
      purl: pkg.purl,
      ...(pkg.licenses?.length ? { licenses: licenseChoice(pkg.licenses) } : {}),
    })),
  };
  if (options.subject) {
    bom.metadata.component = {
      'bom-ref': 'subject',
      type: 'container',
      name: options.subject.name,
      ...(options.subject.version ? { version: options.subject.version } : {}),
      ...(options.subject.purl ? { purl: options.subject.purl } : {}),
    };
  }
  return bom;
}

// The schema allows either exactly one expression or a list of named licenses, not a mix.
function licenseChoice(licenses: string[]): CycloneDxLicense[] {
  if (licenses.length === 1 && isSpdxExpression(licenses[0])) return [{ expression: licenses[0] }];
  return licenses.map((name) => ({ license: { name } }));
}

/** A name-based (v5-shaped) UUID from a hex digest, so equal content gets an equal serial number. */
function uuidFromDigest(hex: string): string {
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
