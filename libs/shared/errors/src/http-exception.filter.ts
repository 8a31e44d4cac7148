import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import { QueryFailedError } from 'typeorm';

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
}

/** Postgres errors that are the client's fault, mapped to what they mean for the API. */
function fromDatabaseError(error: QueryFailedError): ErrorBody | null {
  const code = (error as unknown as { code?: string }).code;
  if (code === '23505') return body(409, 'the object already exists (a unique name or key is taken)');
  if (code === '23503') return body(409, 'the object is still referenced by, or refers to, another object');
  return null;
}

function body(statusCode: number, message: string): ErrorBody {
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

/** Every error leaves as `{statusCode, error, message}`; unknown errors leak nothing. */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse();
    let payload: ErrorBody;
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      payload = body(status, messageOf(exception.getResponse(), exception.message));
    } else if (exception instanceof QueryFailedError && fromDatabaseError(exception)) {
      payload = fromDatabaseError(exception)!;
    } else if (isBodyParserError(exception)) {
      payload = body(exception.status, exception.type === 'entity.too.large' ? 'request body is too large' : 'request body is not valid JSON');
    } else {
      this.logger.error({ err: exception }, 'unhandled error');
      payload = body(HttpStatus.INTERNAL_SERVER_ERROR, 'internal error');
    }
    if (response.headersSent) return;
    response.status(payload.statusCode).json(payload);
  }
}

function isBodyParserError(e: unknown): e is { status: number; type: string } {
  return !!e && typeof e === 'object' && typeof (e as { status?: unknown }).status === 'number' && typeof (e as { type?: unknown }).type === 'string';
}
