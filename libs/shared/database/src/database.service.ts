import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

interface AmbientTransaction {
  orgId: string | null;
  manager: EntityManager;
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
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT set_config('app.org_id', $1, true)`, [orgId]);
      return this.ambient.run({ orgId, manager }, () => work(manager));
    });
  }

  /** Platform-level work (no tenant): tenant tables are invisible here by RLS. */
  async platform<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const current = this.ambient.getStore();
    if (current) {
      if (current.orgId !== null) throw new Error('platform work cannot join a tenant transaction');
      return work(current.manager);
    }
    return this.dataSource.transaction((manager) => this.ambient.run({ orgId: null, manager }, () => work(manager)));
  }

  async ping(): Promise<void> {
    await this.dataSource.query('SELECT 1');
  }
}
