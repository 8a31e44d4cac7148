import { parseImageReference } from '@vigil/policy-engine';
import { toImageFacts } from './image-facts.adapter';
import type { ImageVerification } from './verification-report.types';

describe('toImageFacts', () => {
  const digest = `sha256:${'3'.repeat(64)}`;
  const verification: ImageVerification = {
    reference: parseImageReference('ghcr.io/acme/app:1.0'),
    digest,
    signatures: [
      { keyFingerprint: 'sha256:k1', keyLabel: 'a', hashAlgorithm: 'sha256', dockerReference: 'ghcr.io/acme/app', annotations: {}, layer: 0, layerDigest: 'sha256:l0' },
      { keyFingerprint: 'sha256:k1', keyLabel: 'a', hashAlgorithm: 'sha256', dockerReference: 'ghcr.io/acme/app', annotations: {}, layer: 1, layerDigest: 'sha256:l1' },
      { keyFingerprint: 'sha256:k2', keyLabel: 'b', dockerReference: 'ghcr.io/acme/app', annotations: {}, layer: 2, layerDigest: 'sha256:l2' },
    ],
    attestations: [
      {
        keyFingerprint: 'sha256:k1',
        keyLabel: 'a',
        predicateType: 'https://slsa.dev/provenance/v1',
        predicate: { buildDefinition: {} },
        statement: { _type: 'https://in-toto.io/Statement/v1', subject: [], predicateType: 'https://slsa.dev/provenance/v1', predicate: { buildDefinition: {} } },
        layer: 0,
        layerDigest: 'sha256:a0',
      },
    ],
    diagnostics: [],
  };

  it('maps one signature fact per key and hash, and every attestation', () => {
    expect(toImageFacts(verification, 'ghcr.io/acme/app:1.0')).toEqual({
      ref: 'ghcr.io/acme/app:1.0',
      digest,
      signatures: [{ keyFingerprint: 'sha256:k1', hashAlgorithm: 'sha256' }, { keyFingerprint: 'sha256:k2' }],
      attestations: [
        {
          keyFingerprint: 'sha256:k1',
          predicateType: 'https://slsa.dev/provenance/v1',
          predicate: { buildDefinition: {} },
          statement: verification.attestations[0]!.statement,
        },
      ],
    });
  });

  it('defaults the ref to the canonical reference and leaves sbom/vulnerabilities absent ("not computed")', () => {
    const facts = toImageFacts(verification);
    expect(facts.ref).toBe('ghcr.io/acme/app:1.0');
    expect('sbom' in facts).toBe(false);
    expect('vulnerabilities' in facts).toBe(false);
  });
});
