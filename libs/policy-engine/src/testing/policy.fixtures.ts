import { generateKeyPairSync } from 'node:crypto';
import { parsePolicyDocument } from '../document/policy-document.parser';
import type { CompiledPolicy } from '../document/compiled-policy.types';
import { formatPolicyDiagnostic } from '../document/policy-document.parser';
import { parsePublicKeyPem } from '../document/public-key.parser';
import type { ImageFacts } from '../evaluate/evaluation.types';

export interface TestKey {
  readonly pem: string;
  readonly fingerprint: string;
}

export function newEcKey(): TestKey {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const parsed = parsePublicKeyPem(pem, 'sha256');
  if (!parsed.ok) throw new Error(parsed.message);
  return { pem, fingerprint: parsed.key.fingerprint };
}

/** Indents a PEM for a YAML block scalar at the given depth. */
export function indentPem(pem: string, spaces: number): string {
  return pem
    .trim()
    .split('\n')
    .map((line) => ' '.repeat(spaces) + line)
    .join('\n');
}

/** Compiles a document a test relies on being valid, failing loudly otherwise. */
export function mustCompile(text: string): CompiledPolicy {
  const result = parsePolicyDocument(text);
  if (!result.ok) throw new Error(`expected a valid policy:\n${result.errors.map(formatPolicyDiagnostic).join('\n')}`);
  return result.policy;
}

export function facts(overrides: Partial<ImageFacts> = {}): ImageFacts {
  return {
    ref: 'ghcr.io/acme/app:1.0',
    digest: `sha256:${'a'.repeat(64)}`,
    signatures: [],
    attestations: [],
    sbom: { packages: [] },
    vulnerabilities: [],
    ...overrides,
  };
}
