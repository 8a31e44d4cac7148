import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { pinoHttp, type Options } from 'pino-http';

export interface LaneRequestLog {
  /** The request's logger (bindings: the serialized request), made on first use. */
  readonly logger: Logger;
}

/**
 * pino-http's access log for the admission fast lane, with the same options
 * and lines, made lazily. pino-http builds a child logger per request
 * (serializing and redacting the request into its bindings) whether or not
 * anything is logged: a tenth of a decision's CPU (docs/benchmarks.md). Here
 * that child is built only when a line is written: the completion line when
 * its level is enabled, or a log call while the request is served.
 *
 * Covers what the API's options use (genReqId, customProps, autoLogging's
 * ignore, serializers, redaction); the line is pino-http's own (tested
 * against it).
 */
export function laneAccessLog(options: Options): (req: IncomingMessage, res: ServerResponse) => LaneRequestLog {
  // A child of the options' logger with pino-http's wrapped serializers and redaction.
  const base = pinoHttp(options).logger as unknown as Logger;
  const genReqId = options.genReqId;
  const customProps = typeof options.customProps === 'function' ? options.customProps : () => options.customProps ?? {};
  const autoLogging = options.autoLogging !== false;
  const ignore = typeof options.autoLogging === 'object' ? options.autoLogging.ignore : undefined;

  return (req, res) => {
    if (req.id === undefined && genReqId) req.id = genReqId(req, res);
    const startedAt = Date.now();
    let child: Logger | undefined;
    const requestLog: LaneRequestLog = {
      get logger() {
        return (child ??= base.child({ req }));
      },
    };
    if (!autoLogging || ignore?.(req)) return requestLog;

    const complete = (err?: Error) => {
      res.removeListener('close', complete);
      res.removeListener('finish', complete);
      res.removeListener('error', complete);
      if (!base.isLevelEnabled('info')) return;
      const props = customProps(req, res);
      const log = Object.keys(props).length > 0 ? requestLog.logger.child(props) : requestLog.logger;
      const responseTime = Date.now() - startedAt;
      const failure = err ?? (res.statusCode >= 500 ? new Error(`failed with status code ${res.statusCode}`) : undefined);
      if (failure) log.info({ res, err: failure, responseTime }, 'request errored');
      else log.info({ res, responseTime }, !req.readableAborted && res.writableEnded ? 'request completed' : 'request aborted');
    };
    res.on('close', complete);
    res.on('finish', complete);
    res.on('error', complete);
    return requestLog;
  };
}
