import { evaluate } from './policy.evaluator';
import { verificationKeys } from './verification-keys';
import { facts, indentPem, mustCompile, newEcKey } from '../testing/policy.fixtures';
import type { CompiledPolicy } from '../document/compiled-policy.types';

const release = newEcKey();
const other = newEcKey();
const IMAGE = 'ghcr.io/acme/app:1.0';
const SHOWN = `${IMAGE}@sha256:${'a'.repeat(64)}`;

function policy(name: string, spec: string, header = 'apiVersion: vigil.dev/v1\nkind: ImagePolicy'): CompiledPolicy {
  return mustCompile(`${header}\nmetadata:\n  name: ${name}\nspec:\n${spec}`);
}

const keyAuthority = (pem: string, extra = ''): string =>
  `    - name: release-authority\n      key:\n        name: release\n        data: |\n${indentPem(pem, 10)}\n${extra}`;

const signed = policy('signed-images', `  images: [{glob: "ghcr.io/acme/**"}]\n  authorities:\n${keyAuthority(release.pem)}`);

describe('evaluate — signatures and authorities', () => {
  it('allows an image signed by the authority key', () => {
    const decision = evaluate({ policies: [signed], image: facts({ signatures: [{ keyFingerprint: release.fingerprint }] }), noMatch: 'deny' });
    expect(decision).toEqual({
      allowed: true,
      warnings: [],
      reasons: [],
      policies: [{ name: 'signed-images', mode: 'enforce', valid: true, diagnostic: '', reasons: [] }],
    });
  });

  it('denies an unsigned image with a reason naming image, key, authority and policy', () => {
    const decision = evaluate({ policies: [{ ...signed, revision: 3 }], image: facts({ signatures: [{ keyFingerprint: other.fingerprint }] }), noMatch: 'allow' });
    const reason = `image ${SHOWN} has no signature verified by key 'release' (authority 'release-authority' of policy 'signed-images')`;
    expect(decision.allowed).toBe(false);
    expect(decision.reasons).toEqual([reason]);
    expect(decision.policies).toEqual([{ name: 'signed-images', revision: 3, mode: 'enforce', valid: false, diagnostic: reason, reasons: [reason] }]);
  });

  it('ignores a signature made with a different hash algorithm than the policy asks for', () => {
    const sha512 = policy('p', `  images: [{glob: "**"}]\n  authorities:\n${keyAuthority(release.pem).replace('        name: release\n', '        name: release\n        hashAlgorithm: sha512\n')}`);
    const image = (hashAlgorithm: 'sha256' | 'sha512') => facts({ signatures: [{ keyFingerprint: release.fingerprint, hashAlgorithm }] });
    expect(evaluate({ policies: [sha512], image: image('sha256'), noMatch: 'allow' }).allowed).toBe(false);
    expect(evaluate({ policies: [sha512], image: image('sha512'), noMatch: 'allow' }).allowed).toBe(true);
  });

  it('requires a verified transparency-log entry when the authority has a ctlog', () => {
    const withLog = policy('logged', `  images: [{glob: "**"}]\n  authorities:\n${keyAuthority(release.pem, '      ctlog: {url: "https://rekor.sigstore.dev/"}\n')}`);
    const run = (tlog?: { url?: string }) =>
      evaluate({ policies: [withLog], image: facts({ signatures: [{ keyFingerprint: release.fingerprint, ...(tlog ? { tlog } : {}) }] }), noMatch: 'allow' });
    expect(run().reasons[0]).toContain('with a transparency-log entry in https://rekor.sigstore.dev/');
    expect(run({ url: 'https://rekor.example' }).allowed).toBe(false);
    expect(run({ url: 'https://rekor.sigstore.dev' }).allowed).toBe(true);
    expect(run({}).allowed).toBe(true);
  });

  it('passes when any one authority passes (OR) and reports all when none does', () => {
    const either = policy('either', `  images: [{glob: "**"}]\n  authorities:\n${keyAuthority(release.pem)}${keyAuthority(other.pem).replace('release-authority', 'other-authority').replace('name: release\n', 'name: other\n')}`);
    expect(evaluate({ policies: [either], image: facts({ signatures: [{ keyFingerprint: other.fingerprint }] }), noMatch: 'deny' }).allowed).toBe(true);
    const none = evaluate({ policies: [either], image: facts(), noMatch: 'deny' });
    expect(none.reasons).toHaveLength(2);
    expect(none.reasons[1]).toContain("key 'other' (authority 'other-authority'");
  });

  it('handles static pass and static fail with its message', () => {
    const fail = policy('frozen', '  images: [{glob: "**"}]\n  authorities: [{static: {action: fail, message: "registry frozen, see INC-42"}}]');
    const pass = policy('open', '  images: [{glob: "**"}]\n  authorities: [{static: {action: pass}}]');
    expect(evaluate({ policies: [pass], image: facts(), noMatch: 'deny' }).allowed).toBe(true);
    expect(evaluate({ policies: [fail], image: facts(), noMatch: 'allow' }).reasons).toEqual([
      `image ${SHOWN} is refused by static fail (authority 'authority-0' of policy 'frozen'): registry frozen, see INC-42`,
    ]);
  });
});

describe('evaluate — attestations', () => {
  const attested = policy(
    'attested',
    `  images: [{glob: "**"}]\n  authorities:\n${keyAuthority(
      release.pem,
      '      attestations:\n' +
        '        - name: sbom\n          predicateType: spdxjson\n          policy: {type: cel, data: "predicate.spdxVersion == \\"SPDX-2.3\\""}\n' +
        '        - name: provenance\n          predicateType: slsaprovenance1\n          policy: {type: cel, data: "statement.predicateType == \\"https://slsa.dev/provenance/v1\\""}\n',
    )}`,
  );
  const sbom = (spdxVersion: string, keyFingerprint = release.fingerprint) => ({
    predicateType: 'https://spdx.dev/Document',
    predicate: { spdxVersion },
    statement: { predicateType: 'https://spdx.dev/Document' },
    keyFingerprint,
  });
  const provenance = {
    predicateType: 'https://slsa.dev/provenance/v1',
    predicate: {},
    statement: { predicateType: 'https://slsa.dev/provenance/v1' },
    keyFingerprint: release.fingerprint,
  };

  it('passes when every attestation is present, verified by the key and satisfies its policy', () => {
    expect(evaluate({ policies: [attested], image: facts({ attestations: [sbom('SPDX-2.3'), provenance] }), noMatch: 'deny' }).allowed).toBe(true);
  });

  it('accepts any one satisfying attestation of a type', () => {
    expect(evaluate({ policies: [attested], image: facts({ attestations: [sbom('SPDX-2.2'), sbom('SPDX-2.3'), provenance] }), noMatch: 'deny' }).allowed).toBe(true);
  });

  it('fails on a missing attestation, one signed by another key, or a failing predicate policy', () => {
    const missing = evaluate({ policies: [attested], image: facts({ attestations: [sbom('SPDX-2.3')] }), noMatch: 'deny' });
    expect(missing.reasons).toEqual([
      `image ${SHOWN} has no https://slsa.dev/provenance/v1 attestation verified by key 'release' (attestation 'provenance' of authority 'release-authority' of policy 'attested')`,
    ]);
    const wrongKey = evaluate({ policies: [attested], image: facts({ attestations: [sbom('SPDX-2.3', other.fingerprint), provenance] }), noMatch: 'deny' });
    expect(wrongKey.reasons[0]).toContain("no https://spdx.dev/Document attestation verified by key 'release'");
    const failing = evaluate({ policies: [attested], image: facts({ attestations: [sbom('SPDX-2.2'), provenance] }), noMatch: 'deny' });
    expect(failing.reasons).toEqual([
      `image ${SHOWN}: no https://spdx.dev/Document attestation satisfies attestation 'sbom' of authority 'release-authority' of policy 'attested': ` +
        'CEL expression `predicate.spdxVersion == "SPDX-2.3"` evaluated to false',
    ]);
  });

  it('does not accept a bare signature in place of attestations', () => {
    expect(evaluate({ policies: [attested], image: facts({ signatures: [{ keyFingerprint: release.fingerprint }] }), noMatch: 'deny' }).allowed).toBe(false);
  });
});

describe('evaluate — spec.policy, vulnerabilities, match, no-match', () => {
  it('evaluates spec.policy over image and object', () => {
    const cel = policy(
      'cel',
      '  images: [{glob: "**"}]\n  policy:\n    type: cel\n    data: >-\n      image.registry == "ghcr.io" && image.repository == "acme/app" &&\n      !image.sbom.packages.exists(p, p.name == "log4j-core") && object.namespace != "kube-system"\n',
    );
    const object = { kind: 'Pod', name: 'web', namespace: 'prod' };
    expect(evaluate({ policies: [cel], image: facts(), object, noMatch: 'deny' }).allowed).toBe(true);
    const log4j = facts({ sbom: { packages: [{ name: 'log4j-core', version: '2.14.1' }] } });
    const denied = evaluate({ policies: [cel], image: log4j, object, noMatch: 'deny' });
    expect(denied.allowed).toBe(false);
    expect(denied.reasons[0]).toMatch(/^image .* fails spec.policy of policy 'cel': CEL expression `image.registry == "ghcr.io" .*` evaluated to false$/);
  });

  it('fails on vulnerabilities at or above maxSeverity, honouring ignore (by id or alias) and fixedOnly', () => {
    const rule = policy('no-high', '  images: [{glob: "**"}]\n  vulnerabilities: {maxSeverity: HIGH, ignore: [GHSA-xxxx-yyyy-zzzz], fixedOnly: true}');
    const vulnerabilities = [
      { id: 'CVE-2024-1', severity: 'critical', fixedVersion: '3.0.2', package: { name: 'openssl', version: '3.0.1' } },
      { id: 'CVE-2024-2', severity: 'HIGH' },
      { id: 'CVE-2024-3', severity: 'HIGH', fixedVersion: '1.1', aliases: ['GHSA-xxxx-yyyy-zzzz'] },
      { id: 'CVE-2024-4', severity: 'MEDIUM', fixedVersion: '1.0' },
    ];
    const decision = evaluate({ policies: [rule], image: facts({ vulnerabilities }), noMatch: 'deny' });
    expect(decision.reasons).toEqual([
      `image ${SHOWN} has 1 vulnerability at or above HIGH with a fix available: CVE-2024-1 (CRITICAL, openssl 3.0.1, fixed in 3.0.2) ` +
        "(policy 'no-high'; upgrade, or add the id to spec.vulnerabilities.ignore)",
    ]);
    expect(evaluate({ policies: [rule], image: facts({ vulnerabilities: vulnerabilities.slice(1) }), noMatch: 'deny' }).allowed).toBe(true);
  });

  it('fails the vulnerability rule while the image has not been scanned', () => {
    const rule = policy('no-critical', '  images: [{glob: "**"}]\n  vulnerabilities: {maxSeverity: CRITICAL}');
    const { vulnerabilities: _omit, ...unscanned } = facts();
    expect(evaluate({ policies: [rule], image: unscanned, noMatch: 'allow' }).reasons[0]).toContain('has not been scanned for vulnerabilities yet');
  });

  it('applies spec.match only to matching objects', () => {
    const cip = mustCompile(`apiVersion: policy.sigstore.dev/v1beta1
kind: ClusterImagePolicy
metadata: {name: pods-labelled}
spec:
  images: [{glob: "**"}]
  match: [{resource: pods, version: v1, selector: {matchLabels: {match: match}}}]
  authorities: [{static: {action: fail}}]
`);
    const run = (object?: { kind: string; name: string; labels?: Record<string, string>; apiVersion?: string }) =>
      evaluate({ policies: [cip], image: facts(), noMatch: 'allow', ...(object ? { object } : {}) });
    expect(run({ kind: 'Pod', name: 'a', labels: { match: 'match' } }).allowed).toBe(false);
    expect(run({ kind: 'Pod', name: 'a', labels: { match: 'other' } }).policies).toEqual([]);
    expect(run({ kind: 'Deployment', name: 'a', labels: { match: 'match' } }).policies).toEqual([]);
    expect(run({ kind: 'Pod', name: 'a', apiVersion: 'v2', labels: { match: 'match' } }).policies).toEqual([]);
    expect(run().policies).toEqual([]);
  });

  it.each([
    ['allow', true, [], []],
    ['warn', true, [`image ${SHOWN} matches no policy`], []],
    ['deny', false, [], [`image ${SHOWN} matches no policy and this cluster denies unmatched images`]],
  ] as const)('no policy matches: %s', (noMatch, allowed, warnings, reasons) => {
    const decision = evaluate({ policies: [signed], image: facts({ ref: 'quay.io/other/app:1' , digest: `sha256:${'a'.repeat(64)}` }), noMatch });
    const shown = decision.warnings.concat(decision.reasons).join();
    expect(decision.allowed).toBe(allowed);
    expect(decision.warnings).toEqual(warnings.map((w) => w.replace(IMAGE, 'quay.io/other/app:1')));
    expect(decision.reasons).toEqual(reasons.map((r) => r.replace(IMAGE, 'quay.io/other/app:1')));
    expect(shown).not.toContain('ghcr.io');
  });

  it('turns failures of warn-mode policies into warnings', () => {
    const warn = policy('warn-only', '  mode: warn\n  images: [{glob: "**"}]\n  authorities: [{static: {action: fail, message: m}}]');
    const decision = evaluate({ policies: [warn], image: facts(), noMatch: 'deny' });
    expect(decision.allowed).toBe(true);
    expect(decision.reasons).toEqual([]);
    expect(decision.warnings).toEqual([`image ${SHOWN} is refused by static fail (authority 'authority-0' of policy 'warn-only'): m`]);
    expect(decision.policies[0]).toMatchObject({ name: 'warn-only', mode: 'warn', valid: false });
  });

  it('lists the keys a verifier must try, de-duplicated', () => {
    const keys = verificationKeys([signed, signed, policy('x', `  images: [{glob: "**"}]\n  authorities:\n${keyAuthority(other.pem)}`)]);
    expect(keys.map((k) => k.fingerprint).sort()).toEqual([release.fingerprint, other.fingerprint].sort());
  });

  it('evaluates thousands of decisions a second with compiled policies', () => {
    const policies = [signed, policy('cel', '  images: [{glob: "**"}]\n  policy: {type: cel, data: "image.vulnerabilities.all(v, v.severity != \\"CRITICAL\\")"}')];
    const image = facts({ signatures: [{ keyFingerprint: release.fingerprint }], vulnerabilities: [{ id: 'CVE-1', severity: 'LOW' }] });
    const start = process.hrtime.bigint();
    for (let i = 0; i < 2000; i++) expect(evaluate({ policies, image, noMatch: 'deny' }).allowed).toBe(true);
    // A sanity bound only; the real figure comes from bench/.
    expect(Number(process.hrtime.bigint() - start) / 1e9).toBeLessThan(5);
  });
});
