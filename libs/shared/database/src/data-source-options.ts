import { DataSourceOptions } from 'typeorm';
import { MixedList, EntitySchema } from 'typeorm';

export const APP_ROLE = 'vigil_app';

export interface DataSourceSettings {
  url: string;
  entities?: MixedList<Function | string | EntitySchema>;
  migrations?: MixedList<Function | string>;
  /** Switch every connection to the non-owner app role so row-level security applies. */
  asAppRole: boolean;
  poolSize?: number;
  applicationName?: string;
}

export function buildDataSourceOptions(settings: DataSourceSettings): DataSourceOptions {
  return {
    type: 'postgres',
    url: settings.url,
    entities: settings.entities ?? [],
    migrations: settings.migrations ?? [],
    synchronize: false,
    migrationsRun: false,
    logging: false,
    extra: {
      max: settings.poolSize ?? 10,
      application_name: settings.applicationName ?? 'vigil',
      connectionTimeoutMillis: 5000,
      // Postgres applies `-c role=…` at connection start: the same as SET ROLE, for every pooled client.
      ...(settings.asAppRole ? { options: `-c role=${APP_ROLE}` } : {}),
    },
  };
}
