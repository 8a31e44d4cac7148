import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The sigstore / Chainguard ClusterImagePolicy examples shared by every issue (read in place, unchanged). */
export const SHARED_POLICIES_DIR = path.resolve(__dirname, '../../../shared/data/policies');

export function sharedPolicy(file: string): string {
  return readFileSync(path.join(SHARED_POLICIES_DIR, file), 'utf8');
}

export interface SigningKey {
  readonly privateKey: KeyObject;
  readonly pem: string;
}

export function ecKey(): SigningKey {
  const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { privateKey: pair.privateKey, pem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

const indent = (text: string, spaces: number) =>
  text
    .trim()
    .split('\n')
    .map((line) => ' '.repeat(spaces) + line)
    .join('\n');

/** A Vigil ImagePolicy in YAML; `spec` is the YAML body of `spec:` (indented by two). */
export function imagePolicy(name: string, spec: string): string {
  return `apiVersion: vigil.dev/v1\nkind: ImagePolicy\nmetadata:\n  name: ${name}\nspec:\n${indent(spec, 2)}\n`;
}

/** `spec` of a policy that requires a signature by `key` on images matching `glob`. */
export function signedSpec(glob: string, key: SigningKey, options: { keyName?: string; mode?: 'enforce' | 'warn'; attestations?: string } = {}): string {
  return [
    `images: [{glob: "${glob}"}]`,
    ...(options.mode ? [`mode: ${options.mode}`] : []),
    'authorities:',
    '  - name: release-authority',
    '    key:',
    `      name: ${options.keyName ?? 'release'}`,
    '      data: |',
    indent(key.pem, 8),
    ...(options.attestations ? [indent(options.attestations, 4)] : []),
  ].join('\n');
}
