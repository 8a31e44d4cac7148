// Valid messages for specs to start from and break one field at a time.
import type { ValidationResult } from './validation';

export const DIGEST = `sha256:${'a'.repeat(64)}`;
export const DIGEST_B = `sha256:${'0123456789abcdef'.repeat(4)}`;
export const T0 = '2026-03-01T12:00:00Z';

export const container = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: 'app',
  type: 'container',
  image: 'ghcr.io/acme/app:1.2.3',
  imageDigest: DIGEST,
  startedAt: T0,
  ...over,
});

export const pod = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  op: 'upsert',
  uid: '6f1c6a0e-8d7e-4a8b-9b5e-0c2f1d3e4a5b',
  namespace: 'shop',
  name: 'web-7d9f8c6b5-x2x9k',
  node: 'node-1',
  owner: { kind: 'Deployment', name: 'web' },
  ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7d9f8c6b5', uid: 'rs-uid-1', controller: true }],
  observedAt: T0,
  containers: [container(), container({ name: 'migrate', type: 'init', terminatedAt: '2026-03-01T12:00:05Z' })],
  ...over,
});

export const inventoryBatch = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  agentId: 'agent-0',
  sequence: 1,
  kind: 'delta',
  sentAt: T0,
  pods: [pod()],
  ...over,
});

export const admissionRequest = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
  kind: 'Deployment',
  namespace: 'shop',
  name: 'web',
  operation: 'CREATE',
  labels: { app: 'web', 'app.kubernetes.io/part-of': 'shop' },
  images: [
    { container: 'app', type: 'container', ref: 'ghcr.io/acme/app:1.2.3' },
    { container: 'migrate', type: 'init', ref: `ghcr.io/acme/migrate@${DIGEST}` },
  ],
  user: { username: 'system:serviceaccount:ci:deployer', groups: ['system:serviceaccounts'] },
  ...over,
});

export const admissionResponse = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  allowed: false,
  warnings: ['ghcr.io/acme/app:1.2.3: policy "sbom-present" (warn): no SBOM attestation'],
  reasons: ['ghcr.io/acme/migrate: policy "signed" failed: no matching signature'],
  policyStateToken: 'ps_42',
  decisions: [
    { image: 'ghcr.io/acme/app:1.2.3', digest: DIGEST, allowed: true, cacheTtlSeconds: 300, warnings: ['no SBOM'] },
    { image: `ghcr.io/acme/migrate@${DIGEST}`, digest: DIGEST, allowed: false, cacheTtlSeconds: 60, reasons: ['unsigned'] },
  ],
  ...over,
});

/** The paths of a failed validation (fails the test when it passed). */
export function errorPaths(result: ValidationResult<unknown>): string[] {
  if (result.ok) throw new Error('expected validation to fail, but it passed');
  return result.errors.map((e) => e.path);
}

export function expectValid<T>(result: ValidationResult<T>): T {
  if (!result.ok) throw new Error(`expected valid, got ${JSON.stringify(result.errors)}`);
  return result.value;
}
