import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from './data-source-options';
import { DatabaseNotifications } from './database-notifications';
import { Database } from './database.service';

export interface DatabaseModuleOptions {
  url: string;
  entities: Function[];
  poolSize?: number;
  applicationName?: string;
}

@Global()
@Module({})
export class DatabaseModule {
  static forRoot(options: DatabaseModuleOptions): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRoot({
          ...buildDataSourceOptions({ ...options, asAppRole: true }),
          // Fail fast at boot with the driver's message instead of retrying forever.
          retryAttempts: 1,
        }),
      ],
      providers: [
        { provide: Database, useFactory: (ds: DataSource) => new Database(ds), inject: [DataSource] },
        { provide: DatabaseNotifications, useFactory: (ds: DataSource) => new DatabaseNotifications(ds), inject: [DataSource] },
      ],
      exports: [Database, DatabaseNotifications],
    };
  }
}
