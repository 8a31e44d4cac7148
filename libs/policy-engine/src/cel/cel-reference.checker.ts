import type { parse } from '@bufbuild/cel';

type ParsedExpr = ReturnType<typeof parse>;
type Expr = ParsedExpr['expr'];

export interface ReferenceProblem {
  readonly message: string;
  /** Offset into the expression text. */
  readonly offset: number;
}

// Type names usable as values (`type(x) == string`).
const TYPE_IDENTIFIERS = new Set([
  'int', 'uint', 'double', 'bool', 'string', 'bytes', 'list', 'map', 'null_type', 'type', 'dyn',
]);
// Operators the planner implements itself rather than through the function registry.
const BUILTIN_OPERATORS = new Set(['_&&_', '_||_', '_?_:_', '_[_]', '@not_strictly_false', '_[?_]', '_?._']);

/**
 * Finds identifiers that are not declared variables (or comprehension
 * variables in scope) and calls of functions the environment does not have.
 * Macros (`has`, `all`, `exists`, `map`, `filter`) are already expanded by the
 * parser, so they never show up as calls here.
 */
export function checkReferences(
  parsed: ParsedExpr,
  variables: readonly string[],
  hasFunction: (name: string) => boolean,
): ReferenceProblem[] {
  const problems: ReferenceProblem[] = [];
  const positions = parsed.sourceInfo?.positions ?? {};
  const offsetOf = (expr: Expr): number => Number((positions as Record<string, number>)[String(expr.id)] ?? 0);
  const declared = new Set(variables);

  const visit = (expr: Expr | undefined, scope: ReadonlySet<string>): void => {
    if (!expr) return;
    const kind = expr.exprKind;
    switch (kind.case) {
      case 'identExpr': {
        const name = kind.value.name;
        if (!scope.has(name) && !declared.has(name) && !TYPE_IDENTIFIERS.has(name)) {
          const known = variables.length > 0 ? variables.join(', ') : 'none';
          problems.push({ message: `undeclared reference to '${name}' (variables here: ${known})`, offset: offsetOf(expr) });
        }
        return;
      }
      case 'selectExpr':
        visit(kind.value.operand, scope);
        return;
      case 'callExpr': {
        const fn = kind.value.function;
        if (!BUILTIN_OPERATORS.has(fn) && !hasFunction(fn)) {
          problems.push({ message: `unknown function '${fn}'`, offset: offsetOf(expr) });
        }
        visit(kind.value.target, scope);
        for (const arg of kind.value.args) visit(arg, scope);
        return;
      }
      case 'listExpr':
        for (const element of kind.value.elements) visit(element, scope);
        return;
      case 'structExpr':
        for (const entry of kind.value.entries) {
          if (entry.keyKind.case === 'mapKey') visit(entry.keyKind.value, scope);
          visit(entry.value, scope);
        }
        return;
      case 'comprehensionExpr': {
        const c = kind.value;
        visit(c.iterRange, scope);
        visit(c.accuInit, scope);
        const inner = new Set(scope);
        for (const name of [c.iterVar, c.iterVar2, c.accuVar]) if (name) inner.add(name);
        visit(c.loopCondition, inner);
        visit(c.loopStep, inner);
        visit(c.result, inner);
        return;
      }
      default:
        return;
    }
  };
  visit(parsed.expr, new Set());
  return problems;
}
