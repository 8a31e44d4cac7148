import type { PathSegment } from './field-path';

export interface Refusal {
  readonly path: PathSegment[];
  readonly message: string;
}

const PASTE_PEM = 'paste the PEM public key into key.data instead';

/**
 * Parts of policy-controller's ClusterImagePolicy that Vigil cannot honour
 * yet. Each is refused with the reason, never ignored: ignoring one would
 * make a policy weaker than its author believes.
 */
export function findUnsupportedFeatures(document: unknown): Refusal[] {
  const refusals: Refusal[] = [];
  const spec = record(record(document)?.['spec']);
  if (!spec) return refusals;

  array(spec['images']).forEach((image, i) => {
    if (record(image)?.['regex'] !== undefined) {
      refusals.push({ path: ['spec', 'images', i, 'regex'], message: 'regex image patterns are not supported; use glob' });
    }
  });

  array(spec['authorities']).forEach((raw, i) => {
    const authority = record(raw);
    if (!authority) return;
    const at = (...rest: PathSegment[]): PathSegment[] => ['spec', 'authorities', i, ...rest];
    if (authority['keyless'] !== undefined) {
      refusals.push({
        path: at('keyless'),
        message: 'keyless authorities are not supported yet (Fulcio/Rekor identity verification is a later step); use a key authority',
      });
    }
    const key = record(authority['key']);
    if (key?.['kms'] !== undefined) {
      refusals.push({ path: at('key', 'kms'), message: `KMS keys are not supported; ${PASTE_PEM}` });
    }
    if (key?.['secretRef'] !== undefined) {
      refusals.push({
        path: at('key', 'secretRef'),
        message: `keys from Kubernetes secrets are not supported (Vigil never reads cluster secrets); ${PASTE_PEM}`,
      });
    }
    if (authority['source'] !== undefined) {
      refusals.push({
        path: at('source'),
        message: 'signature sources are not supported yet; signatures are read from the image repository itself',
      });
    }
    if (record(authority['ctlog'])?.['trustRootRef'] !== undefined) {
      refusals.push({ path: at('ctlog', 'trustRootRef'), message: 'custom trust roots are not supported yet' });
    }
    if (authority['rfc3161timestamp'] !== undefined) {
      refusals.push({ path: at('rfc3161timestamp'), message: 'RFC 3161 timestamp authorities are not supported yet' });
    }
    array(authority['attestations']).forEach((attestation, j) => {
      refusals.push(...policySourceRefusals(record(attestation)?.['policy'], at('attestations', j, 'policy')));
    });
  });

  const policy = record(spec['policy']);
  refusals.push(...policySourceRefusals(policy, ['spec', 'policy']));
  if (policy?.['fetchConfigFile'] !== undefined) {
    refusals.push({
      path: ['spec', 'policy', 'fetchConfigFile'],
      message: 'fetching the image config file is not supported; write conditions over the `image` variable',
    });
  }
  if (policy?.['includeSpec'] === true) {
    refusals.push({
      path: ['spec', 'policy', 'includeSpec'],
      message: "object specs are not available: Vigil's agent forwards only metadata (kind, namespace, name, labels) as `object`",
    });
  }
  return refusals;
}

function policySourceRefusals(raw: unknown, path: PathSegment[]): Refusal[] {
  const policy = record(raw);
  if (!policy) return [];
  const refusals: Refusal[] = [];
  const type = policy['type'];
  if (type === 'cue' || type === 'rego') {
    refusals.push({
      path: [...path, 'type'],
      message: `${type === 'cue' ? 'CUE' : 'Rego'} policies are not supported; rewrite the condition in CEL (type: cel)`,
    });
  }
  for (const field of ['remote', 'configMapRef', 'url']) {
    if (policy[field] !== undefined) {
      refusals.push({
        path: [...path, field],
        message: 'policies fetched from elsewhere are not supported; put the expression inline in data',
      });
    }
  }
  return refusals;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function array(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
