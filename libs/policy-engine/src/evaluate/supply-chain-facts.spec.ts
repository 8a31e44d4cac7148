import { parsePolicyDocument } from '../document/policy-document.parser';
import type { CompiledPolicy } from '../document/compiled-policy.types';
import { supplyChainNeeds } from './supply-chain-facts';

function policy(spec: string): CompiledPolicy {
  const result = parsePolicyDocument(`apiVersion: vigil.dev/v1\nkind: ImagePolicy\nmetadata: {name: p}\nspec:\n  images: [{glob: "**"}]\n${spec}`);
  if (!result.ok) throw new Error(JSON.stringify(result));
  return result.policy;
}

describe('supplyChainNeeds', () => {
  it('asks for vulnerabilities for spec.vulnerabilities or CEL over image.vulnerabilities, and for packages only for CEL over image.sbom', () => {
    expect(supplyChainNeeds([policy('  authorities: [{static: {action: pass}}]')])).toEqual({ vulnerabilities: false, packages: false });
    expect(supplyChainNeeds([policy('  vulnerabilities: {maxSeverity: high}')])).toEqual({ vulnerabilities: true, packages: false });
    expect(supplyChainNeeds([policy(`  policy: {type: cel, data: '!image.vulnerabilities.exists(v, v.id == "X")'}`)])).toEqual({ vulnerabilities: true, packages: false });
    expect(supplyChainNeeds([policy(`  policy: {type: cel, data: 'image.sbom.available'}`), policy('  vulnerabilities: {maxSeverity: low}')])).toEqual({ vulnerabilities: true, packages: true });
  });
});
