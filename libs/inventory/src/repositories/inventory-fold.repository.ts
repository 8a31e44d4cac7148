import { Injectable } from '@nestjs/common';
import { Database } from '@vigil/shared/database';

export interface StaleFold {
  orgId: string;
  clusterId: string;
  dueAt: Date;
}

/**
 * The fold backlog (`inventory_folds_due`, migration InventoryFoldBacklog) and
 * the fold itself. Ingest appends to it in its transaction (see
 * InventoryIngestRepository.closeUnlistedAndSaveState); the worker folds it.
 */
@Injectable()
export class InventoryFoldRepository {
  constructor(private readonly database: Database) {}

  /**
   * Folds up to `limit` due rows of one cluster into workload_image_runs and
   * workload_images (exposure's rollup), in one transaction: the rows are
   * deleted and their pods merged together, so a failure leaves the rows for
   * a retry. Returns how many rows it took (0: nothing was due).
   *
   * Folds of one cluster are serialised by an advisory lock on it, so the
   * merge is exact (concurrent merges of one group could each insert a run).
   * Ingest takes no lock here and never waits on a fold: it only appends.
   * The merge (vigil_merge_workload_image_runs, migration
   * WorkloadImageRunsMerge; a PL/pgSQL function so its plan is cached) reads
   * every observation of the claimed pods as it is when the merge runs, a
   * later statement than the claim: it sees at least what the batches that
   * wrote the claimed rows committed (same transaction as the rows). A row a
   * batch still in flight writes is not claimed, so not deleted: the next fold
   * takes it. The table stays what vigil_workload_image_runs_of() computes
   * from scratch, once the backlog is folded, up to a minute of last_seen:
   *
   *  - Running rows are open-ended intervals, so a group's running rows are
   *    folded to one before any lookup (a snapshot lists many pods of one
   *    workload).
   *  - A row already inside a run of its group changes nothing and is dropped
   *    first: a running row inside a running run, a closed row inside a closed
   *    one, each ending at most a minute after the run's last_seen. Every batch
   *    relists running pods and every new pod extends its workload's init
   *    container run, so as with upsertImages a run is written only when it
   *    starts earlier, starts or stops running, merges with another, or its
   *    last_seen grows by more than a minute.
   *  - A closed row inside a running run may have been the last one running,
   *    so it is kept: the run stays running only if an observation in it still
   *    runs (one probe of observations_running_digest).
   *  - The rest, with the runs of their groups they may touch (within the gap
   *    tolerance, or running), are merged by gaps-and-islands as the rebuild
   *    does: per island one run is kept and updated, the others deleted, or a
   *    run is inserted (and its group listed in workload_images).
   *
   * Exposure and package usage read the rollup, so they trail ingest by the
   * fold's delay: the coalescing window (INVENTORY_FOLD_WINDOW_MS) plus the
   * queue and the fold, normally a few seconds; a lost job, until the sweep
   * (InventoryFoldService) re-adds it.
   */
  foldDue(orgId: string, clusterId: string, limit: number): Promise<number> {
    return this.database.forOrg(orgId, async (m) => {
      await m.query(`SELECT pg_advisory_xact_lock(hashtext('vigil.inventory.fold'), hashtext($1::text))`, [clusterId]);
      const claimed: { rows: string; pods: string[] | null }[] = await m.query(
        `WITH claimed AS (
           DELETE FROM inventory_folds_due WHERE id IN (
             SELECT id FROM inventory_folds_due WHERE org_id = $1 AND cluster_id = $2 ORDER BY id LIMIT $3)
           RETURNING pod_uid)
         SELECT count(*) AS rows, array_agg(DISTINCT pod_uid) AS pods FROM claimed`,
        [orgId, clusterId, limit],
      );
      const rows = Number(claimed[0].rows);
      if (rows > 0) await m.query(`SELECT vigil_merge_workload_image_runs($1, $2, $3::text[], NULL)`, [orgId, clusterId, claimed[0].pods ?? []]);
      return rows;
    });
  }

  /** How many rows of a cluster wait to be folded (tests, and the sweep's log). */
  async due(orgId: string, clusterId: string): Promise<number> {
    const rows: { n: number }[] = await this.database.forOrg(orgId, (m) =>
      m.query(`SELECT count(*)::int AS n FROM inventory_folds_due WHERE org_id = $1 AND cluster_id = $2`, [orgId, clusterId]),
    );
    return rows[0].n;
  }

  /** Across orgs (a SECURITY DEFINER function): clusters whose oldest row waited more than `olderThanSeconds`. */
  async stale(olderThanSeconds: number, limit: number): Promise<StaleFold[]> {
    const rows: { org_id: string; cluster_id: string; due_at: Date }[] = await this.database.platformQuery(
      `SELECT org_id, cluster_id, due_at FROM vigil_stale_inventory_folds($1, $2)`,
      [olderThanSeconds, limit],
    );
    return rows.map((r) => ({ orgId: r.org_id, clusterId: r.cluster_id, dueAt: r.due_at }));
  }
}
