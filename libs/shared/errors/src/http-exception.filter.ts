import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import { QueryFailedError } from 'typeorm';

/** One problem of an invalid input, for clients that point at it (editors, forms); `message` says the same in words. */
export interface InputProblem {
  path: string;
  message: string;
  line?: number;
  column?: number;
}

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  /** 400s for invalid input: every problem, located. */
  errors?: InputProblem[];
}

/** A 400 whose body lists every problem in `errors` besides the sentence in `message`. */
export class InvalidInputException extends HttpException {
  constructor(
    message: string,
    readonly problems: readonly InputProblem[],
  ) {
    super({ message, errors: problems }, HttpStatus.BAD_REQUEST);
  }
}

/** Postgres errors that are the client's fault, mapped to what they mean for the API. */
function fromDatabaseError(error: QueryFailedError): ErrorBody | null {
  const code = (error as unknown as { code?: string }).code;
  if (code === '23505') return errorBody(409, 'the object already exists (a unique name or key is taken)');
  if (code === '23503') {
    // A delete blocked by live rows names their table in the detail: say what is in the way.
    const blocker = /is still referenced from table "(\w+)"/.exec(String((error as unknown as { detail?: string }).detail ?? ''))?.[1];
    if (blocker) return errorBody(409, `the object is still used by ${blocker.replace(/_/g, ' ')}; delete or move them first`);
    return errorBody(409, 'the object is still referenced by, or refers to, another object');
  }
  return null;
}

export function errorBody(statusCode: number, message: string): ErrorBody {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
}

function messageOf(response: unknown, fallback: string): string {
  if (typeof response === 'string') return response;
  if (response && typeof response === 'object' && 'message' in response) {
    const m = (response as { message: unknown }).message;
    if (Array.isArray(m)) return m.join('; ');
    if (typeof m === 'string') return m;
  }
  return fallback;
}

/**
 * What an error becomes on the wire: `{statusCode, error, message}`; unknown
 * errors leak nothing (`unexpected`: the caller logs them). Shared by the
 * filter and the admission fast lane, which answers outside Nest's router.
 */
export function errorResponseFor(exception: unknown): { payload: ErrorBody; unexpected: boolean } {
  if (exception instanceof InvalidInputException) {
    return { payload: { ...errorBody(exception.getStatus(), exception.message), errors: [...exception.problems] }, unexpected: false };
  }
  if (exception instanceof HttpException) {
    return { payload: errorBody(exception.getStatus(), messageOf(exception.getResponse(), exception.message)), unexpected: false };
  }
  const fromDatabase = exception instanceof QueryFailedError ? fromDatabaseError(exception) : null;
  if (fromDatabase) return { payload: fromDatabase, unexpected: false };
  if (isBodyParserError(exception)) {
    const message = exception.type === 'entity.too.large' ? 'request body is too large' : 'request body is not valid JSON';
    return { payload: errorBody(exception.status, message), unexpected: false };
  }
  return { payload: errorBody(HttpStatus.INTERNAL_SERVER_ERROR, 'internal error'), unexpected: true };
}

/** Every error leaves as `{statusCode, error, message}`. */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse();
    const { payload, unexpected } = errorResponseFor(exception);
    if (unexpected) this.logger.error({ err: exception }, 'unhandled error');
    if (response.headersSent) return;
    response.status(payload.statusCode).json(payload);
  }
}

function isBodyParserError(e: unknown): e is { status: number; type: string } {
  return !!e && typeof e === 'object' && typeof (e as { status?: unknown }).status === 'number' && typeof (e as { type?: unknown }).type === 'string';
}
