import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

interface AmbientTransaction {
  orgId: string | null;
  manager: EntityManager;
  afterCommit: (() => unknown)[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The only way application code reaches Postgres. Every tenant query runs in a
 * transaction that has `app.org_id` set, so row-level security scopes it even
 * when a repository forgets its org filter. Nested calls for the same org join
 * the ambient transaction, so a service can make several repository calls and
 * an audit entry atomic.
 */
@Injectable()
export class Database {
  private readonly ambient = new AsyncLocalStorage<AmbientTransaction>();

  constructor(readonly dataSource: DataSource) {}

  /** Runs `work` inside a transaction scoped to one org. */
  async forOrg<T>(orgId: string, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (!UUID.test(orgId)) throw new Error('Database.forOrg requires an org id');
    const current = this.ambient.getStore();
    if (current) {
      if (current.orgId !== orgId) {
        throw new Error('a transaction of one org cannot run work for another');
      }
      return work(current.manager);
    }
    const afterCommit: (() => unknown)[] = [];
    const result = await this.transaction(orgId, (manager) => this.ambient.run({ orgId, manager, afterCommit }, () => work(manager)));
    await runAfterCommit(afterCommit);
    return result;
  }

  /**
   * BEGIN and the org setting go to Postgres in one round trip (the simple
   * query protocol takes both statements; the id is a checked UUID, never
   * user text), then the work, then COMMIT: every request pays this, so the
   * round trip saved counts on every hot path.
   */
  private async transaction<T>(orgId: string | null, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    // QueryRunner declares the flag read-only; BaseQueryRunner keeps it as a plain field we own here.
    const state = runner as unknown as { isTransactionActive: boolean };
    await runner.connect();
    try {
      await runner.query(orgId ? `START TRANSACTION; SELECT set_config('app.org_id', '${orgId}', true)` : 'START TRANSACTION');
      // Tell TypeORM a transaction is open, so nothing it runs starts (and commits) one of its own.
      state.isTransactionActive = true;
      const result = await work(runner.manager);
      await runner.query('COMMIT');
      state.isTransactionActive = false;
      return result;
    } catch (error) {
      if (state.isTransactionActive) {
        state.isTransactionActive = false;
        await runner.query('ROLLBACK').catch(() => undefined);
      }
      throw error;
    } finally {
      await runner.release();
    }
  }

  /**
   * Runs `fn` once the surrounding transaction has committed (at once when there
   * is none): the place to enqueue jobs about rows the transaction wrote.
   */
  async afterCommit(fn: () => unknown): Promise<void> {
    const current = this.ambient.getStore();
    if (current) current.afterCommit.push(fn);
    else await runAfterCommit([fn]);
  }

  /** Platform-level work (no tenant): tenant tables are invisible here by RLS. */
  async platform<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const current = this.ambient.getStore();
    if (current) {
      if (current.orgId !== null) throw new Error('platform work cannot join a tenant transaction');
      return work(current.manager);
    }
    const afterCommit: (() => unknown)[] = [];
    const result = await this.transaction(null, (manager) => this.ambient.run({ orgId: null, manager, afterCommit }, () => work(manager)));
    await runAfterCommit(afterCommit);
    return result;
  }

  /**
   * One platform-level statement outside any transaction: for the SECURITY
   * DEFINER lookups on hot paths, where BEGIN/COMMIT would triple the round trips.
   */
  async platformQuery<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    if (this.ambient.getStore()) throw new Error('platformQuery runs outside transactions; use platform() inside one');
    return this.dataSource.query(sql, params);
  }

  /**
   * One call of a function that scopes itself to `orgId` (sets `app.org_id`
   * for its own transaction, so row-level security applies as in forOrg):
   * joins the ambient transaction of that org, else runs as a transaction of
   * its own, in one round trip instead of three.
   */
  async selfScopedStatement<T>(orgId: string, sql: string, params: unknown[]): Promise<T[]> {
    if (!UUID.test(orgId)) throw new Error('Database.selfScopedStatement requires an org id');
    const current = this.ambient.getStore();
    if (!current) return this.dataSource.query(sql, params);
    if (current.orgId !== orgId) throw new Error('a transaction of one org cannot run work for another');
    return current.manager.query(sql, params);
  }

  async ping(): Promise<void> {
    await this.dataSource.query('SELECT 1');
  }
}

const afterCommitLogger = new Logger('Database');

/** After-commit work must not turn a committed request into an error: failures are left to the sweeps. */
async function runAfterCommit(callbacks: (() => unknown)[]): Promise<void> {
  for (const callback of callbacks) {
    try {
      await callback();
    } catch (error) {
      // The rows are committed; a periodic sweep picks up whatever this step failed to do.
      afterCommitLogger.warn({ err: error }, 'after-commit step failed; the sweep will retry it');
    }
  }
}
