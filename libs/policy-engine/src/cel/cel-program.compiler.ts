import { celEnv, isCelError, parse, plan } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { checkReferences } from './cel-reference.checker';

/**
 * CEL programs are parsed, checked and planned once, when a policy is saved,
 * and the planned function is reused for every decision. @bufbuild/cel 0.6
 * does not export its type checker, so the save-time check is our own walk
 * over the AST: undeclared variables and unknown functions are refused then,
 * and type errors that depend on data surface at decision time as failures.
 */

// One environment for every program: std library plus the strings extension.
const ENV = celEnv({ funcs: strings });

export interface CelSourceError {
  readonly message: string;
  /** 1-based position inside the expression text. */
  readonly line: number;
  readonly column: number;
}

export type CelOutcome = { readonly ok: true } | { readonly ok: false; readonly diagnostic: string };

export interface CompiledCelProgram {
  readonly expression: string;
  readonly variables: readonly string[];
  /** Never throws; an evaluation error or a non-`true` result fails. */
  evaluate(bindings: Readonly<Record<string, unknown>>): CelOutcome;
}

export type CelCompileResult =
  | { readonly ok: true; readonly program: CompiledCelProgram }
  | { readonly ok: false; readonly errors: readonly CelSourceError[] };

export function positionAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** Keeps diagnostics readable when an expression spans many lines. */
export function summariseExpression(expression: string, max = 200): string {
  const flat = expression.trim().replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export function compileCelProgram(expression: string, variables: readonly string[]): CelCompileResult {
  if (expression.trim().length === 0) {
    return { ok: false, errors: [{ message: 'expression is empty', line: 1, column: 1 }] };
  }
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(expression);
  } catch (error) {
    return { ok: false, errors: [syntaxError(expression, error)] };
  }
  const referenceErrors = checkReferences(parsed, variables, (name) => ENV.funcs.find(name) !== undefined).map(
    (problem) => ({ message: problem.message, ...positionAt(expression, problem.offset) }),
  );
  if (referenceErrors.length > 0) return { ok: false, errors: referenceErrors };

  let run: (ctx: Record<string, unknown>) => unknown;
  try {
    const planned = plan(ENV, parsed);
    run = (ctx) => planned(ctx as never);
  } catch (error) {
    return { ok: false, errors: [{ message: errorMessage(error), line: 1, column: 1 }] };
  }
  const shown = summariseExpression(expression);
  return {
    ok: true,
    program: {
      expression,
      variables,
      evaluate(bindings) {
        let result: unknown;
        try {
          result = run(bindings as Record<string, unknown>);
        } catch (error) {
          result = error instanceof Error ? error : new Error(String(error));
        }
        if (isCelError(result) || result instanceof Error) {
          return { ok: false, diagnostic: `CEL expression \`${shown}\` failed: ${result.message}` };
        }
        if (result === true) return { ok: true };
        if (result === false) return { ok: false, diagnostic: `CEL expression \`${shown}\` evaluated to false` };
        return { ok: false, diagnostic: `CEL expression \`${shown}\` must evaluate to a bool, got ${describe(result)}` };
      },
    },
  };
}

function syntaxError(expression: string, error: unknown): CelSourceError {
  const location = (error as { location?: { start?: { offset?: number } } }).location?.start;
  const raw = (error as { rawMessage?: string }).rawMessage ?? errorMessage(error);
  const position = positionAt(expression, location?.offset ?? 0);
  return { message: `syntax error: ${raw}`, ...position };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'bigint') return `int ${value}`;
  if (typeof value === 'number') return `double ${value}`;
  if (typeof value === 'string') return `string "${summariseExpression(value, 40)}"`;
  return typeof value;
}
