import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { evaluate, parsePolicyDocument, verificationKeys, type CompiledPolicy } from '@vigil/policy-engine';
import {
  attestationLayer,
  buildImage,
  buildIndex,
  dsseEnvelope,
  inTotoStatement,
  pushCosignManifest,
  pushImage,
  signatureLayer,
  signBytes,
  simpleSigningPayload,
  startRegistry,
  type RunningRegistry,
} from '../../../../test/support/oci-registry';
import { RegistryClient, type RepositoryLocation } from '../registry/registry.client';
import { CosignVerifier } from './cosign.verifier';
import { toImageFacts } from './image-facts.adapter';
import { loadVerificationKeys } from './verification-key';

const SLSA = 'https://slsa.dev/provenance/v0.2';
const SPDX = 'https://spdx.dev/Document';
const CYCLONEDX = 'https://cyclonedx.org/bom';

interface KeyPair {
  readonly privateKey: KeyObject;
  readonly pem: string;
}

function keyPair(kind: 'ec' | 'rsa' | 'ed25519'): KeyPair {
  const pair =
    kind === 'ec'
      ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
      : kind === 'rsa'
        ? generateKeyPairSync('rsa', { modulusLength: 2048 })
        : generateKeyPairSync('ed25519');
  return { privateKey: pair.privateKey, pem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

describe('CosignVerifier against a real registry', () => {
  let registry: RunningRegistry;
  let client: RegistryClient;
  let verifier: CosignVerifier;
  const release = keyPair('ec');
  const attacker = keyPair('ec');
  const releaseKey = { pem: release.pem, label: 'release' };
  let counter = 0;

  beforeAll(async () => {
    registry = await startRegistry();
    client = new RegistryClient({ insecureRegistries: [registry.host], allowPrivateTargets: true });
    verifier = new CosignVerifier(client);
  });

  afterAll(async () => {
    await client?.close();
    await registry?.stop();
  });

  /** A fresh image in its own repository: tests never see each other's signatures. */
  async function freshImage(): Promise<{ location: RepositoryLocation; digest: string; ref: string }> {
    counter += 1;
    const location = { registry: registry.host, repository: `acme/app-${counter}` };
    const digest = await pushImage(client, location, '1.0', await buildImage(`image ${counter}`));
    return { location, digest, ref: `${registry.host}/${location.repository}:1.0` };
  }

  const dockerReference = (location: RepositoryLocation) => `${location.registry}/${location.repository}`;
  const sign = (key: KeyPair, location: RepositoryLocation, digest: string, optional: Record<string, unknown> | null = null) => {
    const payload = simpleSigningPayload(dockerReference(location), digest, optional);
    return signatureLayer(payload, signBytes(key.privateKey, payload));
  };

  it('verifies a signed image (tag resolved to digest), with the docker-reference and signed annotations', async () => {
    const { location, digest, ref } = await freshImage();
    await pushCosignManifest(client, location, digest, 'sig', [sign(release, location, digest, { commit: 'abc123' })]);

    const result = await verifier.verify({ image: ref, keys: [releaseKey] });
    expect(result.digest).toBe(digest);
    expect(result.diagnostics).toEqual([]);
    expect(result.signatures).toHaveLength(1);
    const [key] = loadVerificationKeys([releaseKey]).keys;
    expect(result.signatures[0]).toMatchObject({
      keyFingerprint: key!.fingerprint,
      keyLabel: 'release',
      hashAlgorithm: 'sha256',
      dockerReference: dockerReference(location),
      annotations: { commit: 'abc123' },
      layer: 0,
    });
  });

  it.each(['rsa', 'ed25519'] as const)('verifies signatures made with %s keys', async (kind) => {
    const { location, digest, ref } = await freshImage();
    const pair = keyPair(kind);
    await pushCosignManifest(client, location, digest, 'sig', [sign(pair, location, digest)]);
    const result = await verifier.verify({ image: ref, keys: [{ pem: pair.pem, label: kind }] });
    expect(result.signatures.map((s) => s.keyLabel)).toEqual([kind]);
    expect(result.signatures[0]?.hashAlgorithm).toBe(kind === 'rsa' ? 'sha256' : undefined);
  });

  it('reports an unsigned image as having no signatures and no attestations, without diagnostics', async () => {
    const { ref } = await freshImage();
    const result = await verifier.verify({ image: ref, keys: [releaseKey] });
    expect(result).toMatchObject({ signatures: [], attestations: [], diagnostics: [] });
  });

  it('refuses a tampered payload', async () => {
    const { location, digest, ref } = await freshImage();
    const good = sign(release, location, digest);
    const tamperedPayload = simpleSigningPayload(dockerReference(location), digest, { approved: true });
    const tampered = signatureLayer(tamperedPayload, Buffer.from(good.annotations['dev.cosignproject.cosign/signature']!, 'base64'));
    await pushCosignManifest(client, location, digest, 'sig', [tampered]);

    const result = await verifier.verify({ image: ref, keys: [releaseKey] });
    expect(result.signatures).toEqual([]);
    expect(result.diagnostics.map((d) => d.message)).toEqual(['signature layer 0: signature does not verify with key release']);
  });

  it('refuses a signature made with another key, and keeps the good layer beside it', async () => {
    const { location, digest, ref } = await freshImage();
    await pushCosignManifest(client, location, digest, 'sig', [sign(release, location, digest), sign(attacker, location, digest)]);
    const result = await verifier.verify({ image: ref, keys: [releaseKey] });
    expect(result.signatures.map((s) => s.layer)).toEqual([0]);
    expect(result.diagnostics.map((d) => d.message)).toEqual(['signature layer 1: signature does not verify with key release']);

    const onlyAttacker = await verifier.verify({ image: ref, keys: [{ pem: attacker.pem, label: 'attacker' }] });
    expect(onlyAttacker.signatures.map((s) => s.layer)).toEqual([1]);
  });

  it('refuses a valid signature made for another digest (copied onto this image)', async () => {
    const other = await freshImage();
    const { location, digest, ref } = await freshImage();
    await pushCosignManifest(client, location, digest, 'sig', [sign(release, other.location, other.digest)]);
    const result = await verifier.verify({ image: ref, keys: [releaseKey] });
    expect(result.signatures).toEqual([]);
    expect(result.diagnostics[0]?.message).toBe(`signature layer 0: verified with key release but signs ${other.digest}, not this image (${digest})`);
  });

  it('refuses a signed payload that is not a cosign container image signature', async () => {
    const { location, digest, ref } = await freshImage();
    const payload = Buffer.from(
      JSON.stringify({ critical: { identity: { 'docker-reference': dockerReference(location) }, image: { 'docker-manifest-digest': digest }, type: 'atomic container signature' }, optional: null }),
    );
    await pushCosignManifest(client, location, digest, 'sig', [signatureLayer(payload, signBytes(release.privateKey, payload))]);
    const result = await verifier.verify({ image: ref, keys: [releaseKey] });
    expect(result.signatures).toEqual([]);
    expect(result.diagnostics[0]?.message).toMatch(/critical\.type is "atomic container signature"/);
  });

  it('verifies SLSA, SPDX and CycloneDX attestations and exposes predicateType, predicate and statement', async () => {
    const { location, digest, ref } = await freshImage();
    const name = dockerReference(location);
    const predicates = {
      [SLSA]: { builder: { id: 'https://github.com/acme/builder@v1' }, buildType: 'https://example.com/build@v1', invocation: {} },
      [SPDX]: { spdxVersion: 'SPDX-2.3', SPDXID: 'SPDXRef-DOCUMENT', name: 'app', packages: [{ name: 'openssl', versionInfo: '3.0.11' }] },
      [CYCLONEDX]: { bomFormat: 'CycloneDX', specVersion: '1.5', components: [{ name: 'zlib', version: '1.3' }] },
    };
    await pushCosignManifest(
      client,
      location,
      digest,
      'att',
      Object.entries(predicates).map(([type, predicate]) => attestationLayer(dsseEnvelope(release.privateKey, inTotoStatement(name, digest, type, predicate)), type)),
    );
    const result = await verifier.verify({ image: ref, keys: [releaseKey] });
    expect(result.diagnostics).toEqual([]);
    expect(result.attestations.map((a) => a.predicateType)).toEqual([SLSA, SPDX, CYCLONEDX]);
    expect(result.attestations[1]?.predicate).toEqual(predicates[SPDX]);
    expect(result.attestations[0]?.statement).toMatchObject({ _type: 'https://in-toto.io/Statement/v0.1', subject: [{ name, digest: { sha256: digest.slice(7) } }] });
  });

  it('refuses a tampered attestation, one signed over the raw payload instead of the DSSE PAE, and one about another image', async () => {
    const other = await freshImage();
    const { location, digest, ref } = await freshImage();
    const name = dockerReference(location);
    const statement = inTotoStatement(name, digest, SLSA, { builder: { id: 'trusted' } });
    const forged = inTotoStatement(name, digest, SLSA, { builder: { id: 'evil' } });
    const rawSigned = Buffer.from(
      JSON.stringify({ payloadType: 'application/vnd.in-toto+json', payload: statement.toString('base64'), signatures: [{ sig: signBytes(release.privateKey, statement).toString('base64') }] }),
    );
    await pushCosignManifest(client, location, digest, 'att', [
      attestationLayer(dsseEnvelope(release.privateKey, forged, undefined, statement), SLSA),
      attestationLayer(rawSigned, SLSA),
      attestationLayer(dsseEnvelope(release.privateKey, inTotoStatement(name, other.digest, SLSA, {})), SLSA),
      attestationLayer(dsseEnvelope(release.privateKey, statement), SLSA),
    ]);
    const result = await verifier.verify({ image: ref, keys: [releaseKey] });
    expect(result.attestations.map((a) => a.layer)).toEqual([3]);
    expect(result.diagnostics.map((d) => d.message)).toEqual([
      'attestation layer 0: envelope signature does not verify with key release',
      'attestation layer 1: envelope signature does not verify with key release',
      `attestation layer 2: verified with key release but its subject (${other.digest}) is not this image (${digest})`,
    ]);
  });

  it('verifies the signature of a multi-arch index by the index digest', async () => {
    const location = { registry: registry.host, repository: 'acme/multi-signed' };
    const images = [await buildImage('amd64', { os: 'linux', architecture: 'amd64' }), await buildImage('arm64', { os: 'linux', architecture: 'arm64' })];
    for (const image of images) await pushImage(client, location, image.manifest.digest, image);
    const index = buildIndex(images);
    const indexDigest = await client.pushManifest(location, '2.0', index.index.bytes, index.index.mediaType);
    await pushCosignManifest(client, location, indexDigest, 'sig', [sign(release, location, indexDigest)]);

    const result = await verifier.verify({ image: `${registry.host}/acme/multi-signed:2.0`, keys: [releaseKey] });
    expect(result.digest).toBe(indexDigest);
    expect(result.signatures).toHaveLength(1);
    // A platform manifest was not signed itself.
    const platform = await verifier.verify({ image: `${registry.host}/acme/multi-signed@${images[0]!.manifest.digest}`, keys: [releaseKey] });
    expect(platform.signatures).toEqual([]);
  });

  describe('feeding the policy engine', () => {
    const policyFor = (pem: string): CompiledPolicy => {
      const document = [
        'apiVersion: policy.sigstore.dev/v1beta1',
        'kind: ClusterImagePolicy',
        'metadata: {name: signed-and-built}',
        'spec:',
        `  images: [{glob: "${registry.host}/**"}]`,
        '  authorities:',
        '    - name: release',
        '      key:',
        '        data: |',
        ...pem.trim().split('\n').map((line) => `          ${line}`),
        '      attestations:',
        '        - name: provenance',
        '          predicateType: slsaprovenance',
        '          policy: {type: cel, data: "predicate.builder.id == \\"https://github.com/acme/builder@v1\\""}',
      ].join('\n');
      const parsed = parsePolicyDocument(document);
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
      return parsed.policy;
    };

    it('produces ImageFacts that satisfy a ClusterImagePolicy, and facts that do not', async () => {
      const policy = policyFor(release.pem);
      const keys = verificationKeys([policy]);
      const { location, digest, ref } = await freshImage();
      const statement = inTotoStatement(dockerReference(location), digest, SLSA, { builder: { id: 'https://github.com/acme/builder@v1' } });
      await pushCosignManifest(client, location, digest, 'att', [attestationLayer(dsseEnvelope(release.privateKey, statement), SLSA)]);

      const verified = await verifier.verify({ image: ref, keys });
      const facts = toImageFacts(verified, ref);
      expect(facts.attestations[0]?.keyFingerprint).toBe(keys[0]?.fingerprint);
      expect(evaluate({ policies: [policy], image: facts, noMatch: 'deny' })).toMatchObject({ allowed: true, reasons: [] });

      const unsigned = await freshImage();
      const denied = evaluate({ policies: [policy], image: toImageFacts(await verifier.verify({ image: unsigned.ref, keys }), unsigned.ref), noMatch: 'deny' });
      expect(denied.allowed).toBe(false);
      expect(denied.reasons[0]).toMatch(/no https:\/\/slsa\.dev\/provenance\/v0\.2 attestation verified by key/);
    });
  });
});
