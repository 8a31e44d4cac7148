import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatPolicyDiagnostic, parsePolicyDocument, compilePolicyObject } from './policy-document.parser';
import { indentPem, mustCompile, newEcKey } from '../testing/policy.fixtures';

// Shared examples live beside the repository; read them in place, never copied.
const POLICIES_DIR = join(__dirname, '../../../../../shared/data/policies');
const read = (file: string): string => readFileSync(join(POLICIES_DIR, file), 'utf8');

function errorsOf(text: string): string[] {
  const result = parsePolicyDocument(text);
  if (result.ok) throw new Error('expected the document to be refused');
  return result.errors.map((e) => `${e.path}: ${e.message}`);
}

describe('shared policy-controller / policy-catalog documents', () => {
  const refused: Record<string, string[]> = {
    'policy-catalog-chainguard-images-attested-cue.yaml': [
      'spec.authorities[0].keyless',
      'spec.authorities[0].attestations[0].policy.type',
      'spec.authorities[0].attestations[1].policy.type',
    ],
    'policy-catalog-kubernetes-signed.yaml': ['spec.authorities[0].keyless'],
    'policy-catalog-privileged-containers-cue.yaml': ['spec.policy.includeSpec', 'spec.policy.type'],
    'policy-catalog-vuln-no-high-or-critical-rego.yaml': ['spec.authorities[0].attestations[0].policy.type'],
    'policy-controller-allow-only-pods.yaml': ['spec.policy.type'],
    'policy-controller-cip-keyless-warn.yaml': ['spec.authorities[0].keyless'],
    'policy-controller-cip-keyless-with-attestations-rego.yaml': [
      'spec.authorities[0].keyless',
      'spec.authorities[0].attestations[0].policy.type',
    ],
    'policy-controller-custom-key-attestation-sbom-spdxjson.yaml': ['spec.authorities[0].attestations[0].policy.type'],
    'policy-controller-signed-by-aws-kms-key.yaml': ['spec.authorities[0].key.kms'],
  };
  const accepted = [
    'policy-catalog-certmanager-signed.yaml',
    'policy-controller-cip-key.yaml',
    'policy-controller-cip-match-resource-label.yaml',
    'policy-controller-cip-static-pass.yaml',
  ];

  it('covers every shared document', () => {
    const files = readdirSync(POLICIES_DIR).filter((f) => f.endsWith('.yaml')).sort();
    expect(files).toEqual([...Object.keys(refused), ...accepted].sort());
  });

  it.each(Object.entries(refused))('refuses %s naming every unsupported field', (file, paths) => {
    const result = parsePolicyDocument(read(file));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.path)).toEqual(paths);
    for (const error of result.errors) {
      expect(error.message).toMatch(/not supported|not available/);
      expect(error.position?.line).toBeGreaterThan(1);
    }
  });

  it('explains keyless refusals and points at the line', () => {
    const result = parsePolicyDocument(read('policy-catalog-kubernetes-signed.yaml'));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(formatPolicyDiagnostic(result.errors[0]!)).toBe(
      'spec.authorities[0].keyless (line 19, column 5): keyless authorities are not supported yet ' +
        '(Fulcio/Rekor identity verification is a later step); use a key authority',
    );
  });

  it('accepts the cert-manager RSA-4096 key with sha512', () => {
    const policy = mustCompile(read('policy-catalog-certmanager-signed.yaml'));
    expect(policy).toMatchObject({ apiVersion: 'policy.sigstore.dev/v1beta1', kind: 'ClusterImagePolicy', name: 'certmanager-signed', mode: 'enforce' });
    expect(policy.images.map((g) => g.source)).toEqual(['quay.io/jetstack/cert-manager-*']);
    const [authority] = policy.authorities;
    expect(authority).toMatchObject({ type: 'key', name: 'authority-0', key: { type: 'rsa', hashAlgorithm: 'sha512' } });
    expect(authority?.type === 'key' && authority.key.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('accepts the e2e key policy and keeps its ctlog requirement', () => {
    const policy = mustCompile(read('policy-controller-cip-key.yaml'));
    expect(policy.authorities[0]).toMatchObject({ type: 'key', key: { type: 'ecdsa-p256', hashAlgorithm: 'sha256' }, ctlog: { url: 'http://rekor.rekor-system.svc' } });
  });

  it('accepts the match/label policy with its resource matcher', () => {
    const policy = mustCompile(read('policy-controller-cip-match-resource-label.yaml'));
    expect(policy.match).toEqual([{ group: '*', version: '*', resource: 'pods', matchLabels: { match: 'match' }, matchExpressions: [] }]);
  });

  it('accepts static pass', () => {
    const policy = mustCompile(read('policy-controller-cip-static-pass.yaml'));
    expect(policy.authorities).toEqual([{ type: 'static', name: 'authority-0', index: 0, action: 'pass' }]);
  });
});

describe('Vigil ImagePolicy documents', () => {
  const key = newEcKey();
  const full = `apiVersion: vigil.dev/v1
kind: ImagePolicy
metadata:
  name: signed-images
spec:
  mode: warn
  images:
    - glob: ghcr.io/acme/**
  authorities:
    - name: release
      key:
        name: release-key
        data: |
${indentPem(key.pem, 10)}
      attestations:
        - name: sbom
          predicateType: spdxjson
          policy:
            type: cel
            data: predicate.spdxVersion.startsWith("SPDX-")
        - name: provenance
          predicateType: https://slsa.dev/provenance/v1
    - static:
        action: fail
        message: "ask #platform"
  policy:
    type: cel
    data: |
      image.registry == "ghcr.io" &&
      !image.sbom.packages.exists(p, p.name == "log4j-core")
  match:
    - group: apps
      version: v1
      resource: Deployments
      selector:
        matchLabels: {team: payments}
        matchExpressions:
          - {key: tier, operator: In, values: [web]}
  vulnerabilities:
    maxSeverity: high
    ignore: [cve-2024-0001]
    fixedOnly: true
`;

  it('compiles every part into the normalised policy', () => {
    const policy = mustCompile(full);
    expect(policy.mode).toBe('warn');
    expect(policy.authorities).toHaveLength(2);
    const [release, fallback] = policy.authorities;
    expect(release).toMatchObject({ type: 'key', name: 'release', key: { fingerprint: key.fingerprint, label: 'release-key' } });
    expect(release?.type === 'key' && release.attestations.map((a) => [a.name, a.predicateType, a.policy !== undefined])).toEqual([
      ['sbom', 'https://spdx.dev/Document', true],
      ['provenance', 'https://slsa.dev/provenance/v1', false],
    ]);
    expect(fallback).toEqual({ type: 'static', name: 'authority-1', index: 1, action: 'fail', message: 'ask #platform' });
    expect(policy.policy?.expression).toContain('log4j-core');
    expect(policy.match[0]).toMatchObject({ group: 'apps', version: 'v1', resource: 'deployments', matchLabels: { team: 'payments' } });
    expect(policy.vulnerabilities).toEqual({ maxSeverity: 'HIGH', ignore: new Set(['CVE-2024-0001']), fixedOnly: true });
  });

  it('accepts the same document as JSON text and as an object', () => {
    const asObject = { apiVersion: 'vigil.dev/v1', kind: 'ImagePolicy', metadata: { name: 'json' }, spec: { images: [{ glob: '**' }], authorities: [{ static: { action: 'pass' } }] } };
    expect(parsePolicyDocument(JSON.stringify(asObject)).ok).toBe(true);
    expect(compilePolicyObject(asObject).ok).toBe(true);
  });

  it('lets a Vigil policy rely on its vulnerability rule alone', () => {
    const policy = mustCompile('apiVersion: vigil.dev/v1\nkind: ImagePolicy\nmetadata: {name: vulns}\nspec:\n  images: [{glob: "**"}]\n  vulnerabilities: {maxSeverity: CRITICAL}\n');
    expect(policy.authorities).toEqual([]);
  });

  it('reports every error with its path, not only the first', () => {
    const errors = errorsOf(`apiVersion: vigil.dev/v1
kind: ClusterImagePolicy
metadata:
  name: Bad_Name
spec:
  mode: audit
  imagez: []
  images:
    - glob: "[a-z]*"
  authorities:
    - key:
        data: not a pem
        hashAlgorithm: md5
    - keyless: {url: https://fulcio.sigstore.dev}
    - {}
    - key:
        kms: awskms:///arn
      static: {action: pass}
    - name: dup
      static: {action: maybe}
    - name: dup
      key:
        secretRef: {name: k}
      source: [{oci: registry.example/sigs}]
      attestations:
        - name: a
          predicateType: not-a-type
          policy: {type: rego, data: "package x"}
        - name: b
          predicateType: vuln
          policy: {type: cel, data: "predicate.x ==", remote: {url: "https://x"}}
  policy:
    type: cel
    data: undeclared.thing && size(image.signatures) > 0 && nope(1)
  vulnerabilities: {maxSeverity: severe}
`);
    expect(errors).toEqual(
      expect.arrayContaining([
        'kind: must be ImagePolicy for apiVersion vigil.dev/v1',
        'metadata.name: must be a lower-case DNS name (letters, digits, - and .)',
        'spec.mode: must be one of: enforce, warn',
        'spec.imagez: unknown field',
        'spec.images[0].glob: invalid glob "[a-z]*": only letters, digits and - _ : / . @ * are allowed',
        'spec.authorities[0].key.data: must hold a PEM public key (-----BEGIN PUBLIC KEY-----)',
        'spec.authorities[0].key.hashAlgorithm: must be one of: sha224, sha256, sha384, sha512',
        'spec.authorities[1].keyless: keyless authorities are not supported yet (Fulcio/Rekor identity verification is a later step); use a key authority',
        'spec.authorities[2]: needs one of key or static',
        'spec.authorities[3].key.kms: KMS keys are not supported; paste the PEM public key into key.data instead',
        'spec.authorities[3]: must have only one of key or static, found key and static',
        'spec.authorities[4].static.action: must be one of: pass, fail',
        'spec.authorities[5].name: duplicate authority name "dup" (also spec.authorities[4])',
        'spec.authorities[5].key.secretRef: keys from Kubernetes secrets are not supported (Vigil never reads cluster secrets); paste the PEM public key into key.data instead',
        'spec.authorities[5].source: signature sources are not supported yet; signatures are read from the image repository itself',
        'spec.authorities[5].attestations[0].predicateType: "not-a-type" is neither a URI nor a known short name (custom, slsaprovenance, slsaprovenance02, slsaprovenance1, link, spdx, spdxjson, cyclonedx, vuln, openvex)',
        'spec.authorities[5].attestations[0].policy.type: Rego policies are not supported; rewrite the condition in CEL (type: cel)',
        'spec.authorities[5].attestations[1].policy.remote: policies fetched from elsewhere are not supported; put the expression inline in data',
        expect.stringMatching(/^spec\.authorities\[5\]\.attestations\[1\]\.policy\.data: CEL error at line 1, column \d+ of the expression: syntax error/),
        "spec.policy.data: CEL error at line 1, column 1 of the expression: undeclared reference to 'undeclared' (variables here: image, object)",
        "spec.policy.data: CEL error at line 1, column 51 of the expression: unknown function 'nope'",
        'spec.vulnerabilities.maxSeverity: must be one of: LOW, MEDIUM, HIGH, CRITICAL, low, medium, high, critical',
      ]),
    );
    expect(errors).toHaveLength(22);
  });

  it('gives line and column for each error', () => {
    const result = parsePolicyDocument('apiVersion: vigil.dev/v1\nkind: ImagePolicy\nmetadata: {name: x}\nspec:\n  images: [{glob: "**"}]\n  authorities:\n    - keyless: {}\n');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual([
      expect.objectContaining({ path: 'spec.authorities[0].keyless', position: { line: 7, column: 7 } }),
    ]);
  });

  it.each([
    ['', 'the document is empty'],
    ['a: [1, 2', 'invalid YAML'],
    ['a: 1\na: 2\n', 'invalid YAML'],
    ['--- {a: 1}\n--- {b: 2}\n', 'invalid YAML'],
    ['- just\n- a list\n', 'must be an object'],
  ])('refuses malformed input %j', (text, message) => {
    const result = parsePolicyDocument(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.map((e) => e.message).join('\n')).toContain(message);
  });

  it('refuses documents over the size limit before parsing', () => {
    const result = parsePolicyDocument(`a: "${'x'.repeat(2000)}"`, { maxBytes: 1000 });
    expect(result.ok).toBe(false);
  });

  it('survives an alias bomb', () => {
    const bomb = 'a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n';
    expect(parsePolicyDocument(bomb).ok).toBe(false);
  });

  it('requires an authority in a ClusterImagePolicy', () => {
    expect(errorsOf('apiVersion: policy.sigstore.dev/v1beta1\nkind: ClusterImagePolicy\nmetadata: {name: x}\nspec:\n  images: [{glob: "**"}]\n')).toEqual([
      'spec.authorities: at least one authority is required',
    ]);
  });

  it('refuses static authorities with attestations and unknown policy types', () => {
    expect(
      errorsOf(`apiVersion: vigil.dev/v1
kind: ImagePolicy
metadata: {name: x}
spec:
  images: [{glob: "**"}]
  authorities:
    - static: {action: pass}
      attestations: [{name: a, predicateType: vuln}]
  policy: {type: starlark, data: "x"}
`),
    ).toEqual(['spec.authorities[0].attestations: static authorities cannot have attestations', 'spec.policy.type: unsupported policy type "starlark"; only cel is supported']);
  });
});
