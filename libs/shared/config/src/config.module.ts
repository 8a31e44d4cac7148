import { DynamicModule, Global, Module } from '@nestjs/common';
import { PlatformConfig } from './load-config';

export const PLATFORM_CONFIG = Symbol('PLATFORM_CONFIG');

/** Makes the already-validated configuration injectable everywhere. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: PlatformConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: PLATFORM_CONFIG, useValue: config }],
      exports: [PLATFORM_CONFIG],
    };
  }
}
