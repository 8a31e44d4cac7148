import { buildPackage, isSpdxExpression, type SbomPackage } from '../sbom';
import { parseControlHeader } from './control-fields.util';

/**
 * Catalogs an installed Python distribution from `*.dist-info/METADATA` or `*.egg-info/PKG-INFO`.
 * The name is PEP 503-normalised (as OSV stores PyPI names). License: `License-Expression`
 * (metadata 2.4), else a one-line `License` field that says something.
 */
export function catalogPythonMetadata(text: string): SbomPackage | undefined {
  const headers = parseControlHeader(text);
  const name = headers.get('name');
  const version = headers.get('version');
  if (!name || !version) return undefined;
  return buildPackage('pypi', undefined, name, version, {}, pythonLicenses(headers));
}

function pythonLicenses(headers: Map<string, string>): string[] | undefined {
  const expression = headers.get('license-expression');
  if (expression && isSpdxExpression(expression)) return [expression];
  const license = headers.get('license');
  // Older tools put the whole license text here; only a short single line is a name.
  if (!license || license.includes('\n') || license.length > 200 || /^unknown$/i.test(license)) return undefined;
  return [license];
}
