import { BadRequestException } from '@nestjs/common';
import { InvalidInputException } from '@vigil/shared/errors';
import { compilePolicyObject, formatPolicyDiagnostic, parsePolicyDocument, type CompiledPolicy } from '@vigil/policy-engine';

export interface ReadDocument {
  /** What is stored: the text as submitted, or the object as indented JSON. */
  readonly text: string;
  readonly policy: CompiledPolicy;
}

/**
 * Compiles a submitted document with the engine, or refuses it with a 400
 * that lists every problem with its field path (and line/column for text).
 */
export function readPolicyDocument(document: string | Record<string, unknown>): ReadDocument {
  const text = typeof document === 'string' ? document : `${JSON.stringify(document, null, 2)}\n`;
  const result = typeof document === 'string' ? parsePolicyDocument(document) : compilePolicyObject(document);
  if (!result.ok) {
    const problems = result.errors.map((e) => `document ${formatPolicyDiagnostic(e)}`);
    throw new InvalidInputException(
      `the policy document is refused (${problems.length} problem${problems.length === 1 ? '' : 's'}): ${problems.join('; ')}`,
      result.errors.map((e) => ({ path: e.path, message: e.message, ...(e.position && { line: e.position.line, column: e.position.column }) })),
    );
  }
  // Object documents skip the text parser's size check; keep stored text bounded all the same.
  if (Buffer.byteLength(text, 'utf8') > 256 * 1024) throw new BadRequestException('document: the document is larger than 262144 bytes');
  return { text, policy: result.policy };
}
