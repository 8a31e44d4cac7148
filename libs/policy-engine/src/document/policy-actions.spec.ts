import { parsePolicyDocument } from './policy-document.parser';

const vigil = (actions: string) => `apiVersion: vigil.dev/v1
kind: ImagePolicy
metadata:
  name: kill-unsigned
spec:
  images: [{glob: "ghcr.io/acme/**"}]
  authorities: [{static: {action: fail}}]
${actions}
`;

function errorsOf(text: string): string[] {
  const result = parsePolicyDocument(text);
  if (result.ok) throw new Error('expected the document to be refused');
  return result.errors.map((e) => `${e.path}: ${e.message}`);
}

describe('spec.actions (response actions)', () => {
  it('compiles deletePods into the policy', () => {
    const result = parsePolicyDocument(vigil('  actions: [{type: deletePods}]'));
    expect(result.ok && result.policy.actions).toEqual([{ type: 'deletePods' }]);
  });

  it('leaves policies without actions unchanged', () => {
    const result = parsePolicyDocument(vigil(''));
    expect(result.ok && 'actions' in result.policy).toBe(false);
  });

  it('refuses unknown action types, extra fields and duplicates with their paths', () => {
    expect(errorsOf(vigil('  actions: [{type: scaleToZero}]'))).toEqual(['spec.actions[0].type: must be one of: deletePods']);
    expect(errorsOf(vigil('  actions: [{type: deletePods, grace: 5}]'))).toEqual(['spec.actions[0].grace: unknown field']);
    expect(errorsOf(vigil('  actions: [{type: deletePods}, {type: deletePods}]'))).toEqual(['spec.actions[1].type: duplicate action "deletePods"']);
    expect(errorsOf(vigil('  actions: {type: deletePods}'))).toEqual(['spec.actions: must be an array']);
  });

  it('keeps ClusterImagePolicy documents as policy-controller reads them', () => {
    const cip = vigil('  actions: [{type: deletePods}]').replace('apiVersion: vigil.dev/v1\nkind: ImagePolicy', 'apiVersion: policy.sigstore.dev/v1beta1\nkind: ClusterImagePolicy');
    expect(errorsOf(cip)).toEqual(['spec.actions: response actions are only available in Vigil ImagePolicy documents (apiVersion vigil.dev/v1)']);
  });
});
