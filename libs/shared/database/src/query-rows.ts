import type { EntityManager } from 'typeorm';

/**
 * Runs SQL and returns its rows and affected count the same way for every
 * command. (EntityManager.query returns `[rows, count]` for UPDATE/DELETE but
 * `rows` otherwise, which silently breaks `RETURNING` on updates.)
 */
export async function queryRows<T = Record<string, unknown>>(
  manager: EntityManager,
  sql: string,
  params: unknown[] = [],
): Promise<{ rows: T[]; affected: number }> {
  const runner = manager.queryRunner;
  if (!runner) throw new Error('queryRows needs a transaction-bound manager (Database.forOrg / platform)');
  const result = await runner.query(sql, params, true);
  const rows = (result.records ?? []) as T[];
  return { rows, affected: typeof result.affected === 'number' ? result.affected : rows.length };
}
