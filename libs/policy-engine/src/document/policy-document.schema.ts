import Ajv, { type ErrorObject } from 'ajv';
import { formatPath, pointerToPath, type PathSegment } from './field-path';
import { POLICY_KINDS } from './compiled-policy.types';

/**
 * Structure of an ImagePolicy / ClusterImagePolicy. Fields Vigil refuses
 * (keyless, kms, cue/rego sources …) are declared as `{}` here so the schema
 * does not call them "unknown": unsupported-features.ts refuses them with the
 * reason. Semantics (PEM, CEL, globs) are checked in code after this.
 */
const ANY = {};
const STRING = { type: 'string' };
const NON_EMPTY = { type: 'string', minLength: 1 };

const policySource = {
  type: 'object',
  additionalProperties: false,
  required: ['type'],
  properties: { type: NON_EMPTY, data: STRING, remote: ANY, configMapRef: ANY, url: ANY },
};

export const POLICY_DOCUMENT_SCHEMA = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  properties: {
    apiVersion: { type: 'string', enum: Object.keys(POLICY_KINDS) },
    kind: { type: 'string', enum: ['ImagePolicy', 'ClusterImagePolicy'] },
    // Kubernetes metadata carries much more (labels, annotations, uid …); only the name matters.
    metadata: {
      type: 'object',
      required: ['name'],
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 253, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$' },
      },
    },
    spec: {
      type: 'object',
      additionalProperties: false,
      required: ['images'],
      properties: {
        images: {
          type: 'array',
          minItems: 1,
          items: { type: 'object', additionalProperties: false, properties: { glob: NON_EMPTY, regex: ANY } },
        },
        authorities: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            properties: {
              name: NON_EMPTY,
              key: {
                type: 'object',
                additionalProperties: false,
                properties: {
                  name: NON_EMPTY,
                  data: NON_EMPTY,
                  hashAlgorithm: { type: 'string', enum: ['sha224', 'sha256', 'sha384', 'sha512'] },
                  kms: ANY,
                  secretRef: ANY,
                },
              },
              keyless: ANY,
              static: {
                type: 'object',
                additionalProperties: false,
                required: ['action'],
                properties: { action: { type: 'string', enum: ['pass', 'fail'] }, message: STRING },
              },
              source: ANY,
              ctlog: { type: 'object', additionalProperties: false, properties: { url: NON_EMPTY, trustRootRef: ANY } },
              rfc3161timestamp: ANY,
              attestations: {
                type: 'array',
                items: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['name', 'predicateType'],
                  properties: { name: NON_EMPTY, predicateType: NON_EMPTY, policy: policySource },
                },
              },
            },
          },
        },
        policy: {
          ...policySource,
          properties: {
            ...policySource.properties,
            includeSpec: { type: 'boolean' },
            includeObjectMeta: { type: 'boolean' },
            includeTypeMeta: { type: 'boolean' },
            fetchConfigFile: ANY,
          },
        },
        mode: { type: 'string', enum: ['enforce', 'warn'] },
        // Vigil only: what the platform does when a running image violates the policy.
        actions: {
          type: 'array',
          maxItems: 4,
          items: { type: 'object', additionalProperties: false, required: ['type'], properties: { type: { type: 'string', enum: ['deletePods'] } } },
        },
        match: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            properties: {
              group: STRING,
              version: STRING,
              resource: STRING,
              selector: {
                type: 'object',
                additionalProperties: false,
                properties: {
                  matchLabels: { type: 'object', additionalProperties: STRING },
                  matchExpressions: {
                    type: 'array',
                    items: {
                      type: 'object',
                      additionalProperties: false,
                      required: ['key', 'operator'],
                      properties: {
                        key: NON_EMPTY,
                        operator: { type: 'string', enum: ['In', 'NotIn', 'Exists', 'DoesNotExist'] },
                        values: { type: 'array', items: STRING },
                      },
                    },
                  },
                },
              },
            },
          },
        },
        vulnerabilities: {
          type: 'object',
          additionalProperties: false,
          required: ['maxSeverity'],
          properties: {
            maxSeverity: { type: 'string', enum: ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL', 'low', 'medium', 'high', 'critical'] },
            ignore: { type: 'array', items: NON_EMPTY },
            fixedOnly: { type: 'boolean' },
          },
        },
      },
    },
  },
} as const;

const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(POLICY_DOCUMENT_SCHEMA);

export interface SchemaProblem {
  readonly path: PathSegment[];
  readonly message: string;
}

/** Every schema violation, each with the path of the field it is about. */
export function validatePolicySchema(value: unknown): SchemaProblem[] {
  if (validate(value)) return [];
  const problems = (validate.errors ?? []).map(toProblem);
  const seen = new Set<string>();
  return problems.filter((problem) => {
    const key = `${formatPath(problem.path)}\u0000${problem.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function toProblem(error: ErrorObject): SchemaProblem {
  const path = pointerToPath(error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return { path: [...path, String(params['missingProperty'])], message: 'is required' };
    case 'additionalProperties':
      return { path: [...path, String(params['additionalProperty'])], message: 'unknown field' };
    case 'type':
      return { path, message: `must be ${article(String(params['type']))}` };
    case 'enum':
      return { path, message: `must be one of: ${(params['allowedValues'] as unknown[]).join(', ')}` };
    case 'minItems':
      return { path, message: `must have at least ${String(params['limit'])} item(s)` };
    case 'maxItems':
      return { path, message: `must have at most ${String(params['limit'])} item(s)` };
    case 'minLength':
      return { path, message: 'must not be empty' };
    case 'maxLength':
      return { path, message: `must be at most ${String(params['limit'])} characters` };
    case 'pattern':
      return { path, message: 'must be a lower-case DNS name (letters, digits, - and .)' };
    default:
      return { path, message: error.message ?? 'is invalid' };
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}
