import { compileImageGlob, formatPolicyDiagnostic, parsePolicyDocument, type CompiledPolicy } from '@vigil/policy-engine';
import type { StoredRevision } from '../repositories';

/**
 * Compiled policies by (policy id, revision). Revisions never change, so an
 * entry never goes stale; the bound only limits memory (LRU by Map order).
 * Compiling (YAML, schema, CEL planning) costs far more than a decision, so
 * this is what keeps admission fast.
 */
export class CompiledPolicyCache {
  private readonly entries = new Map<string, CompiledPolicy>();

  constructor(private readonly maxEntries = 5000) {}

  get(policyId: string, revision: number): CompiledPolicy | undefined {
    const key = `${policyId}@${revision}`;
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  /** Compiles a stored revision and keeps it. */
  compile(stored: StoredRevision): CompiledPolicy {
    const compiled = compileStored(stored);
    this.entries.set(`${stored.policyId}@${stored.revision}`, compiled);
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    return compiled;
  }
}

/**
 * A stored document that no longer compiles (the engine got stricter since it
 * was saved) must not silently stop applying: it becomes a policy that fails
 * every image, in the mode it was saved with, and says why.
 */
function compileStored(stored: StoredRevision): CompiledPolicy {
  const parsed = parsePolicyDocument(stored.document);
  if (parsed.ok) return { ...parsed.policy, revision: stored.revision };
  const why = parsed.errors.slice(0, 3).map(formatPolicyDiagnostic).join('; ');
  return {
    apiVersion: 'vigil.dev/v1',
    kind: 'ImagePolicy',
    name: stored.name,
    revision: stored.revision,
    mode: stored.mode === 'warn' ? 'warn' : 'enforce',
    images: [compileImageGlob('**')],
    authorities: [
      { type: 'static', name: 'stored-document', index: 0, action: 'fail', message: `revision ${stored.revision} can no longer be compiled (${why}); save a new revision` },
    ],
    match: [],
  };
}
