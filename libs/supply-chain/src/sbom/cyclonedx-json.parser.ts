import { expectRecord, optionalArray, optionalRecord, optionalString, requiredString } from './json-shape.util';
import { PackageCollector } from './package-collector';
import { SbomError } from './sbom.error';
import type { ParsedSbom } from './sbom-package.model';
import type { SbomLimits } from './sbom-limits';

// JSON exists from 1.2; 1.7 is what current syft and trivy write.
const SUPPORTED_SPEC_VERSIONS = new Set(['1.2', '1.3', '1.4', '1.5', '1.6', '1.7']);

interface Pending {
  raw: unknown;
  path: string;
  depth: number;
}

/**
 * Parses a CycloneDX JSON BOM (already JSON-parsed). Walks `components` and their nested
 * `components` with an explicit stack, so a hostile nesting depth cannot overflow ours.
 * `metadata.component` is the BOM's subject (the image), not one of its packages.
 */
export function parseCycloneDxJson(doc: Record<string, unknown>, limits: SbomLimits): ParsedSbom {
  const max = limits.maxStringLength;
  const specVersion = requiredString(doc, 'specVersion', '', max);
  if (!SUPPORTED_SPEC_VERSIONS.has(specVersion)) {
    throw new SbomError('unsupported-version', `CycloneDX ${specVersion.slice(0, 40)} is not supported (1.2 to 1.7 are)`, 'specVersion');
  }
  const metadata = optionalRecord(doc, 'metadata', '');
  const subject = metadata ? optionalRecord(metadata, 'component', 'metadata') : undefined;
  const name = subject ? optionalString(subject, 'name', 'metadata.component', max) || undefined : undefined;

  const collector = new PackageCollector();
  const stack: Pending[] = [];
  let visited = 0;
  const pushChildren = (list: unknown[], parentPath: string, depth: number): void => {
    if (depth > limits.maxDepth) {
      throw new SbomError('too-deep', `components nest deeper than ${limits.maxDepth} levels`, parentPath);
    }
    // Counted before queuing, so a huge list is refused before we hold a second copy of it.
    if (visited + stack.length + list.length > limits.maxPackages) {
      throw new SbomError('too-many-packages', `more than ${limits.maxPackages} components`, parentPath || 'components');
    }
    for (let i = list.length - 1; i >= 0; i -= 1) {
      stack.push({ raw: list[i], path: `${parentPath}${parentPath ? '.' : ''}components[${i}]`, depth });
    }
  };
  pushChildren(optionalArray(doc, 'components', '') ?? [], '', 1);

  for (let next = stack.pop(); next; next = stack.pop()) {
    visited += 1;
    const component = expectRecord(next.raw, next.path);
    const componentName = requiredString(component, 'name', next.path, max);
    const version = optionalString(component, 'version', next.path, max);
    const purl = optionalString(component, 'purl', next.path, max);
    collector.add(next.path, componentName, purl ? [purl] : [], version || undefined, licenses(component, next.path, max));
    const children = optionalArray(component, 'components', next.path);
    if (children) pushChildren(children, next.path, next.depth + 1);
  }

  return { format: 'cyclonedx', specVersion, name, packages: collector.packages, skipped: collector.skipped };
}

function licenses(component: Record<string, unknown>, path: string, max: number): string[] | undefined {
  const list = optionalArray(component, 'licenses', path);
  if (!list) return undefined;
  const out: string[] = [];
  list.forEach((raw, i) => {
    const at = `${path}.licenses[${i}]`;
    const choice = expectRecord(raw, at);
    const expression = optionalString(choice, 'expression', at, max);
    const license = optionalRecord(choice, 'license', at);
    const text = expression ?? (license
      ? optionalString(license, 'id', `${at}.license`, max) ?? optionalString(license, 'name', `${at}.license`, max)
      : undefined);
    if (text) out.push(text);
  });
  return out.length > 0 ? out : undefined;
}
