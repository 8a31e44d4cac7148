import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { PolicyDiagnostic, SourcePosition } from './compiled-policy.types';
import type { FieldPath } from './field-path';

export interface YamlSource {
  readonly value: unknown;
  /** Position of the field (its key when it exists, else its nearest existing parent). */
  locate(path: FieldPath): SourcePosition | undefined;
}

export type YamlParseResult =
  | { readonly ok: true; readonly source: YamlSource }
  | { readonly ok: false; readonly errors: readonly PolicyDiagnostic[] };

// Bounds what one document may cost to parse: no input may take down a process.
const MAX_ALIAS_COUNT = 50;

/** YAML (and therefore JSON) text → plain value plus a path → line/column map. */
export function parseYamlSource(text: string): YamlParseResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const toPosition = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((error) => ({
        path: '',
        message: `invalid YAML: ${error.message.split('\n')[0]}`,
        position: toPosition(error.pos[0]),
      })),
    };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    return { ok: false, errors: [{ path: '', message: `invalid YAML: ${(error as Error).message}` }] };
  }
  return {
    ok: true,
    source: {
      value,
      locate(path) {
        let node: unknown = doc.contents;
        let position = rangeStart(node, toPosition);
        for (const segment of path) {
          if (typeof segment === 'number' && isSeq(node)) {
            node = node.items[segment];
            if (node === undefined) break;
            position = rangeStart(node, toPosition) ?? position;
          } else if (typeof segment === 'string' && isMap(node)) {
            const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === segment);
            if (!pair) break;
            position = rangeStart(pair.key, toPosition) ?? position;
            node = pair.value;
          } else {
            break;
          }
        }
        return position;
      },
    },
  };
}

function rangeStart(node: unknown, toPosition: (offset: number) => SourcePosition): SourcePosition | undefined {
  const range = (node as Node | undefined)?.range;
  return range ? toPosition(range[0]) : undefined;
}
