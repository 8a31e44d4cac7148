import { Global, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { HealthController } from './health.controller';
import { HttpMetricsMiddleware, MetricsRegistry } from './metrics';

@Global()
@Module({
  controllers: [HealthController],
  providers: [MetricsRegistry, HttpMetricsMiddleware],
  exports: [MetricsRegistry],
})
export class ObservabilityModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes('*');
  }
}
