import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { FoldedBatch } from '../services/batch-folding';

export interface AgentInventoryState {
  lastSequence: number;
  snapshotId: string | null;
  snapshotStartedAt: Date | null;
  isNew: boolean;
  /** The cluster's highest leader term after this batch's (only when the batch carries one). */
  highestTerm?: number;
}

/**
 * The ingest hot path: every statement is set-based over `unnest` arrays, so a
 * batch costs a handful of round trips whatever its size. Runs inside the
 * caller's org transaction (the manager it is given).
 */
@Injectable()
export class InventoryIngestRepository {
  /**
   * Locks the agent's sequence row for the rest of the transaction (retries
   * serialise here) and, for a batch with a leader term, the cluster's term row
   * first (batches of two terms serialise there), raising it to `term`. When the
   * cluster has seen a higher term the batch is superseded: `highestTerm` says
   * which, and the caller must roll back (the agent row may have been created).
   */
  async lockAgentState(m: EntityManager, orgId: string, clusterId: string, agentId: string, term?: number): Promise<AgentInventoryState> {
    // One statement: DO UPDATE both locks an existing row (like FOR UPDATE) and returns it; xmax = 0 marks a new one.
    // The agent row reads `fence`, so the term row is locked before it (one lock order for every batch).
    // No term (leader election off): `fence` inserts nothing and locks nothing, as before terms existed.
    const rows: { last_sequence: string; snapshot_id: string | null; snapshot_started_at: Date | null; inserted: boolean; highest_term: number | null }[] =
      await m.query(
        `WITH fence AS (
           INSERT INTO inventory_leader_terms AS t (org_id, cluster_id, term) SELECT $1, $2, $4::integer WHERE $4::integer IS NOT NULL
           ON CONFLICT (cluster_id) DO UPDATE
             SET term = GREATEST(t.term, EXCLUDED.term), updated_at = CASE WHEN EXCLUDED.term > t.term THEN now() ELSE t.updated_at END
           RETURNING term
         ), state AS (
           INSERT INTO agent_inventory_state (org_id, cluster_id, agent_id, last_sequence)
           SELECT $1, $2, $3, 0 FROM (SELECT count(*) FROM fence) AS f
           ON CONFLICT (cluster_id, agent_id) DO UPDATE SET updated_at = agent_inventory_state.updated_at
           RETURNING last_sequence, snapshot_id, snapshot_started_at, (xmax = 0) AS inserted
         )
         SELECT state.*, (SELECT term FROM fence) AS highest_term FROM state`,
        [orgId, clusterId, agentId, term ?? null],
      );
    return {
      lastSequence: Number(rows[0].last_sequence),
      snapshotId: rows[0].snapshot_id,
      snapshotStartedAt: rows[0].snapshot_started_at,
      isNew: rows[0].inserted,
      highestTerm: rows[0].highest_term ?? undefined,
    };
  }

  /**
   * Every cluster runs the same sidecar and init images, so an upsert that
   * always updates would make every agent's batch wait on the same rows until
   * the other commits (measured: batches serialised across agents). New
   * images are inserted without touching existing rows; an existing row is
   * updated (and so locked) only when its interval grows by more than a
   * minute. Rows are taken in digest order so concurrent batches cannot deadlock.
   */
  async upsertImages(m: EntityManager, orgId: string, batch: FoldedBatch): Promise<void> {
    if (batch.images.length === 0) return;
    const images = [...batch.images].sort((a, b) => (a.digest < b.digest ? -1 : 1));
    const refs = [...batch.references].sort((a, b) => (a.digest + a.ref < b.digest + b.ref ? -1 : 1));
    // One statement, four parts (one round trip): the inserts skip existing rows, the updates
    // touch only rows whose interval grows. Reference FKs are checked at the end of the
    // statement, when the images inserted here already exist.
    await m.query(
      `WITH img AS (SELECT * FROM unnest($2::text[], $3::timestamptz[], $4::timestamptz[]) AS t(d, f, l)),
            ref AS (SELECT * FROM unnest($5::text[], $6::text[], $7::timestamptz[], $8::timestamptz[]) AS t(d, r, f, l)),
            new_images AS (
              INSERT INTO images (org_id, digest, first_seen, last_seen)
              SELECT $1, d, f, l FROM img ON CONFLICT (org_id, digest) DO NOTHING RETURNING 1),
            grown_images AS (
              UPDATE images i SET first_seen = LEAST(i.first_seen, img.f), last_seen = GREATEST(i.last_seen, img.l)
                FROM img WHERE i.org_id = $1 AND i.digest = img.d
                 AND (img.l > i.last_seen + interval '1 minute' OR img.f < i.first_seen) RETURNING 1),
            new_refs AS (
              INSERT INTO image_references (org_id, digest, ref, first_seen, last_seen)
              SELECT $1, d, r, f, l FROM ref ON CONFLICT (org_id, digest, ref) DO NOTHING RETURNING 1),
            grown_refs AS (
              UPDATE image_references x SET first_seen = LEAST(x.first_seen, ref.f), last_seen = GREATEST(x.last_seen, ref.l)
                FROM ref WHERE x.org_id = $1 AND x.digest = ref.d AND x.ref = ref.r
                 AND (ref.l > x.last_seen + interval '1 minute' OR ref.f < x.first_seen) RETURNING 1)
       SELECT (SELECT count(*) FROM new_images) + (SELECT count(*) FROM grown_images)
            + (SELECT count(*) FROM new_refs) + (SELECT count(*) FROM grown_refs) AS changed`,
      [
        orgId,
        images.map((i) => i.digest),
        images.map((i) => i.firstSeen),
        images.map((i) => i.lastSeen),
        refs.map((r) => r.digest),
        refs.map((r) => r.ref),
        refs.map((r) => r.firstSeen),
        refs.map((r) => r.lastSeen),
      ],
    );
  }

  async upsertObservations(m: EntityManager, orgId: string, clusterId: string, batch: FoldedBatch, snapshotId: string | null): Promise<void> {
    if (batch.rows.length === 0) return;
    const r = batch.rows;
    await m.query(
      `INSERT INTO observations (org_id, cluster_id, pod_uid, namespace, pod_name, workload_kind, workload_name, node,
                                 container_name, container_type, image_ref, image_digest, first_seen, last_seen, running, seen_in_snapshot)
       SELECT $1, $2, t.* , $16 FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
                                         $10::text[], $11::text[], $12::text[], $13::timestamptz[], $14::timestamptz[], $15::boolean[]) AS t
       ON CONFLICT (org_id, cluster_id, pod_uid, container_name, image_digest) DO UPDATE
         SET namespace = EXCLUDED.namespace,
             pod_name = EXCLUDED.pod_name,
             workload_kind = COALESCE(EXCLUDED.workload_kind, observations.workload_kind),
             workload_name = COALESCE(EXCLUDED.workload_name, observations.workload_name),
             node = COALESCE(EXCLUDED.node, observations.node),
             image_ref = EXCLUDED.image_ref,
             first_seen = LEAST(observations.first_seen, EXCLUDED.first_seen),
             last_seen = GREATEST(observations.last_seen, EXCLUDED.last_seen),
             running = EXCLUDED.running,
             seen_in_snapshot = COALESCE(EXCLUDED.seen_in_snapshot, observations.seen_in_snapshot)
         -- a relisted row that would not change (a finished init container, most often) is not rewritten:
         -- no new row version, no index entries, no WAL
         WHERE (observations.namespace, observations.pod_name, observations.workload_kind, observations.workload_name, observations.node,
                observations.image_ref, observations.first_seen, observations.last_seen, observations.running, observations.seen_in_snapshot)
               IS DISTINCT FROM
               (EXCLUDED.namespace, EXCLUDED.pod_name, COALESCE(EXCLUDED.workload_kind, observations.workload_kind),
                COALESCE(EXCLUDED.workload_name, observations.workload_name), COALESCE(EXCLUDED.node, observations.node), EXCLUDED.image_ref,
                LEAST(observations.first_seen, EXCLUDED.first_seen), GREATEST(observations.last_seen, EXCLUDED.last_seen), EXCLUDED.running,
                COALESCE(EXCLUDED.seen_in_snapshot, observations.seen_in_snapshot))`,
      [
        orgId,
        clusterId,
        r.map((x) => x.podUid),
        r.map((x) => x.namespace),
        r.map((x) => x.podName),
        r.map((x) => x.workloadKind),
        r.map((x) => x.workloadName),
        r.map((x) => x.node),
        r.map((x) => x.containerName),
        r.map((x) => x.containerType),
        r.map((x) => x.imageRef),
        r.map((x) => x.imageDigest),
        r.map((x) => x.firstSeen),
        r.map((x) => x.lastSeen),
        r.map((x) => x.running),
        snapshotId,
      ],
    );
  }

  /**
   * Ends the running rows of listed pods that this batch did not list again,
   * and of deleted pods, saves the agent's new sequence, and marks every pod
   * of the batch due for folding into the exposure rollup, in one statement.
   * Listed and deleted pods are disjoint (the fold drops a pod's listing once
   * it is deleted).
   *
   * The rollup (workload_image_runs) is no longer merged here: that cost
   * ingest ~18 % of its throughput. The pods go to `inventory_folds_due` (an
   * append, no lookup) and the worker's `inventory.fold` job merges them
   * (InventoryFoldRepository.foldDue, which documents the rules). So exposure
   * and package usage trail ingest by the fold's delay, normally seconds.
   */
  async closeUnlistedAndSaveState(
    m: EntityManager,
    orgId: string,
    clusterId: string,
    agentId: string,
    batch: FoldedBatch,
    state: { lastSequence: number; snapshotId: string | null; snapshotStartedAt: Date | null; snapshotFinished: boolean },
  ): Promise<void> {
    const pods = [...batch.listedPods.map((p) => ({ ...p, deleted: false })), ...batch.deletedPods.map((p) => ({ ...p, deleted: true }))];
    await m.query(
      `WITH saved AS (
         UPDATE agent_inventory_state
            SET last_sequence = $4, snapshot_id = $5, snapshot_started_at = $6,
                last_snapshot_at = CASE WHEN $7 THEN now() ELSE last_snapshot_at END, updated_at = now()
          WHERE org_id = $1 AND cluster_id = $2 AND agent_id = $3
          RETURNING 1
       ), closed AS (
         UPDATE observations o
            SET running = false,
                last_seen = CASE WHEN d.deleted THEN GREATEST(o.first_seen, o.last_seen, d.at) ELSE GREATEST(o.first_seen, d.at) END
           FROM unnest($8::text[], $9::timestamptz[], $10::boolean[]) AS d(uid, at, deleted)
          WHERE o.org_id = $1 AND o.cluster_id = $2 AND o.pod_uid = d.uid AND o.running
            AND (d.deleted OR o.last_seen < d.at)
          RETURNING 1
       ), due AS (
         INSERT INTO inventory_folds_due (org_id, cluster_id, pod_uid) SELECT $1, $2, d.uid FROM unnest($8::text[]) AS d(uid)
         RETURNING 1
       )
       SELECT (SELECT count(*) FROM saved) AS saved, (SELECT count(*) FROM closed) AS closed, (SELECT count(*) FROM due) AS due`,
      [
        orgId,
        clusterId,
        agentId,
        state.lastSequence,
        state.snapshotId,
        state.snapshotStartedAt,
        state.snapshotFinished,
        pods.map((p) => p.uid),
        pods.map((p) => p.at),
        pods.map((p) => p.deleted),
      ],
    );
  }

  /**
   * A finished snapshot: whatever still runs in our books but was neither listed
   * by it nor seen since it began has ended (a delete the agent missed). It is
   * closed at the snapshot's start, the latest instant it can have run; the
   * closed rows' pods are marked due for folding into the workload runs (the
   * fold reads every observation of a due pod, these closed rows included).
   */
  async closeMissedBySnapshot(m: EntityManager, orgId: string, clusterId: string, snapshotId: string, startedAt: Date): Promise<number> {
    const rows: { closed: string }[] = await m.query(
      `WITH closed AS (
         UPDATE observations SET running = false, last_seen = GREATEST(first_seen, $4::timestamptz)
          WHERE org_id = $1 AND cluster_id = $2 AND running
            AND seen_in_snapshot IS DISTINCT FROM $3 AND last_seen < $4
          RETURNING pod_uid
       ), due AS (
         INSERT INTO inventory_folds_due (org_id, cluster_id, pod_uid) SELECT DISTINCT $1::uuid, $2::uuid, pod_uid FROM closed
         RETURNING 1
       )
       SELECT (SELECT count(*) FROM closed) AS closed, (SELECT count(*) FROM due) AS due`,
      [orgId, clusterId, snapshotId, startedAt],
    );
    return Number(rows[0].closed);
  }
}
