import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { json, NextFunction, Request, Response } from 'express';
import { PROTOCOL_LIMITS } from '@vigil/agent-protocol';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { PlatformConfig } from '@vigil/shared/config';
import { createValidationPipe } from '@vigil/shared/errors';
import { admissionFastLane, serveFirst } from './admission-fast-lane';
import { ApiModule, ApiModuleOptions } from './api.module';

export const JSON_BODY_LIMIT = '2mb';

/** Builds the HTTP application (used by main.ts and by the integration tests). */
export async function createApiApp(config: PlatformConfig, options: ApiModuleOptions = {}): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(ApiModule.forRoot(config, options), {
    bufferLogs: true,
    bodyParser: false,
  });
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  // Before Express itself: the hottest route skips the framework (see the lane).
  if (options.admissionFastLane !== false) serveFirst(app.getHttpServer(), admissionFastLane(app, config.env.LOG_LEVEL));
  app.set('trust proxy', true);
  // Security headers are for browsers; the agent endpoints answer machines, on the hottest path there is.
  const securityHeaders = helmet({ contentSecurityPolicy: false });
  app.use((req: Request, res: Response, next: NextFunction) => (req.url.startsWith('/v1/agent/') ? next() : securityHeaders(req, res, next)));
  // Agent requests are signed over their exact bytes: keep them, and allow protocol-sized batches.
  app.use(
    '/v1/agent',
    json({
      limit: PROTOCOL_LIMITS.maxBodyBytes,
      verify: (req, _res, buf) => {
        (req as Request & { rawBody?: Buffer }).rawBody = buf;
      },
    }),
  );
  app.use(json({ limit: JSON_BODY_LIMIT }));
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks();

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Vigil API')
      .setDescription('Continuous verification of the images that run in Kubernetes clusters')
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json' });

  // Body-parser errors happen before Nest's router; answer them in the API's error shape.
  app.use((error: { status?: number; type?: string }, _req: Request, res: Response, next: NextFunction) => {
    if (!error || typeof error.status !== 'number' || res.headersSent) return next(error);
    const status = error.status;
    const message = error.type === 'entity.too.large' ? 'request body is too large' : 'request body is not valid JSON';
    res.status(status).json({ statusCode: status, error: status === 413 ? 'Payload Too Large' : 'Bad Request', message });
  });
  return app;
}
