import { createHash } from 'node:crypto';
import { isSpdxExpression } from './license-expression.util';
import type { SbomPackage } from './sbom-package.model';
import { DEFAULT_SBOM_TOOL, sbomContentDigest, type SbomWriteOptions } from './sbom-write-options.model';

interface SpdxExternalRef {
  referenceCategory: 'PACKAGE-MANAGER';
  referenceType: 'purl';
  referenceLocator: string;
}

export interface SpdxPackageJson {
  SPDXID: string;
  name: string;
  versionInfo?: string;
  downloadLocation: 'NOASSERTION';
  filesAnalyzed: false;
  licenseConcluded: 'NOASSERTION';
  licenseDeclared: string;
  copyrightText: 'NOASSERTION';
  primaryPackagePurpose?: 'CONTAINER' | 'LIBRARY';
  sourceInfo?: string;
  externalRefs?: SpdxExternalRef[];
}

export interface SpdxDocumentJson {
  spdxVersion: 'SPDX-2.3';
  dataLicense: 'CC0-1.0';
  SPDXID: 'SPDXRef-DOCUMENT';
  name: string;
  documentNamespace: string;
  creationInfo: { created: string; creators: string[] };
  documentDescribes: string[];
  packages: SpdxPackageJson[];
  relationships: { spdxElementId: string; relationshipType: 'DESCRIBES' | 'CONTAINS'; relatedSpdxElement: string }[];
  hasExtractedLicensingInfos?: { licenseId: string; extractedText: string; name: string }[];
}

/**
 * Writes packages as an SPDX 2.3 JSON document that `parseSbom` reads back to the same packages.
 * License text that is not an SPDX expression becomes a LicenseRef with its text extracted;
 * several licenses on one package are joined with AND (SPDX has one declared expression).
 */
export function toSpdxJson(packages: readonly SbomPackage[], options: SbomWriteOptions): SpdxDocumentJson {
  const tool = options.tool ?? DEFAULT_SBOM_TOOL;
  const extracted = new Map<string, string>();
  const licenseRef = (text: string): string => {
    if (isSpdxExpression(text)) return text;
    const id = `LicenseRef-${createHash('sha256').update(text).digest('hex').slice(0, 16)}`;
    extracted.set(id, text);
    return id;
  };

  const spdxPackages: SpdxPackageJson[] = packages.map((pkg, i) => ({
    SPDXID: `SPDXRef-Package-${i + 1}`,
    name: pkg.name,
    versionInfo: pkg.version,
    downloadLocation: 'NOASSERTION',
    filesAnalyzed: false,
    licenseConcluded: 'NOASSERTION',
    licenseDeclared: declaredLicense(pkg.licenses, licenseRef),
    copyrightText: 'NOASSERTION',
    primaryPackagePurpose: 'LIBRARY',
    ...(pkg.sourceName ? { sourceInfo: `built from source package ${pkg.sourceName} ${pkg.sourceVersion ?? pkg.version}` } : {}),
    externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: pkg.purl }],
  }));

  const relationships: SpdxDocumentJson['relationships'] = [];
  let describes = spdxPackages.map((p) => p.SPDXID);
  if (options.subject) {
    const root: SpdxPackageJson = {
      SPDXID: 'SPDXRef-Subject',
      name: options.subject.name,
      ...(options.subject.version ? { versionInfo: options.subject.version } : {}),
      downloadLocation: 'NOASSERTION',
      filesAnalyzed: false,
      licenseConcluded: 'NOASSERTION',
      licenseDeclared: 'NOASSERTION',
      copyrightText: 'NOASSERTION',
      primaryPackagePurpose: 'CONTAINER',
      ...(options.subject.purl
        ? { externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: options.subject.purl }] }
        : {}),
    };
    for (const p of spdxPackages) {
      relationships.push({ spdxElementId: root.SPDXID, relationshipType: 'CONTAINS', relatedSpdxElement: p.SPDXID });
    }
    spdxPackages.unshift(root);
    describes = [root.SPDXID];
  }
  relationships.unshift(
    ...describes.map((id) => ({ spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES' as const, relatedSpdxElement: id })),
  );

  const doc: SpdxDocumentJson = {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: options.name,
    documentNamespace: `https://vigil.dev/spdxdocs/${encodeURIComponent(options.name)}-${sbomContentDigest(packages, options)}`,
    creationInfo: {
      created: (options.created ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      creators: [`Tool: ${tool.name}${tool.version ? `-${tool.version}` : ''}`],
    },
    documentDescribes: describes,
    packages: spdxPackages,
    relationships,
  };
  if (extracted.size > 0) {
    doc.hasExtractedLicensingInfos = [...extracted].map(([licenseId, extractedText]) => ({
      licenseId,
      extractedText,
      name: extractedText.slice(0, 200),
    }));
  }
  return doc;
}

function declaredLicense(licenses: string[] | undefined, licenseRef: (text: string) => string): string {
  if (!licenses || licenses.length === 0) return 'NOASSERTION';
  if (licenses.length === 1) return licenseRef(licenses[0]);
  return licenses.map((l) => (!isSpdxExpression(l) ? licenseRef(l) : /\s/.test(l) ? `(${l})` : l)).join(' AND ');
}
