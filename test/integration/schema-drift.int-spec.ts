import { DataSource } from 'typeorm';
import { platformEntities } from '../../apps/api/src/api.module';
import { buildDataSourceOptions } from '../../libs/shared/database/src/data-source-options';
import { createTestDatabase } from '../../libs/shared/testing/src';

/**
 * Every entity column exists in the migrated schema with the same type and
 * nullability. (Constraints, RLS and indexes live only in migrations, written
 * by hand for the planner, so TypeORM's full diff would flag them all.)
 */
describe('schema drift', () => {
  it('finds every entity column in the migrated database, with its type and nullability', async () => {
    const database = await createTestDatabase();
    const dataSource = new DataSource(buildDataSourceOptions({ url: database.url, entities: platformEntities, asAppRole: false }));
    await dataSource.initialize();
    try {
      const rows: { table_name: string; column_name: string; udt_name: string; is_nullable: string }[] = await dataSource.query(
        `SELECT table_name, column_name, udt_name, is_nullable FROM information_schema.columns WHERE table_schema = 'public'`,
      );
      const actual = new Map(rows.map((r) => [`${r.table_name}.${r.column_name}`, r]));
      const normalise: Record<string, string> = {
        uuid: 'uuid', text: 'text', timestamptz: 'timestamptz', 'timestamp with time zone': 'timestamptz',
        bytea: 'bytea', jsonb: 'jsonb', bigint: 'int8', int8: 'int8', integer: 'int4', boolean: 'bool',
      };
      const problems: string[] = [];
      for (const entity of dataSource.entityMetadatas) {
        for (const column of entity.columns) {
          const key = `${entity.tableName}.${column.databaseName}`;
          const found = actual.get(key);
          if (!found) {
            problems.push(`${key}: missing in the migrations`);
            continue;
          }
          const expectedType = (column.isArray ? '_' : '') + (normalise[String(column.type)] ?? String(column.type));
          if (found.udt_name !== expectedType) problems.push(`${key}: entity ${expectedType}, database ${found.udt_name}`);
          if ((found.is_nullable === 'YES') !== column.isNullable) problems.push(`${key}: nullability differs`);
        }
      }
      expect(problems).toEqual([]);
      expect(dataSource.entityMetadatas.length).toBeGreaterThanOrEqual(7);
    } finally {
      await dataSource.destroy();
      await database.drop();
    }
  });
});
