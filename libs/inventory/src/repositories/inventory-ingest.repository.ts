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
             seen_in_snapshot = COALESCE(EXCLUDED.seen_in_snapshot, observations.seen_in_snapshot)`,
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
   * and of deleted pods, saves the agent's new sequence, and brings the
   * workload runs of the batch's pods up to date, in one statement. Listed and
   * deleted pods are disjoint (the fold drops a pod's listing once it is
   * deleted). The batch's rows were upserted by the previous statement, so
   * reading the pods' observations sees them; rows this statement closes are
   * taken from its RETURNING instead (a statement does not see its own writes).
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
          RETURNING ${RUN_COLUMNS('o')}
       ), touched AS (
         SELECT * FROM closed
         UNION ALL
         SELECT ${RUN_COLUMNS('o')} FROM observations o
          WHERE o.org_id = $1 AND o.cluster_id = $2 AND o.pod_uid = ANY($8::text[]) AND o.id NOT IN (SELECT id FROM closed)
       ), ${mergeRunsSql('touched', 'closed')}
       SELECT (SELECT count(*) FROM saved) AS saved, (SELECT count(*) FROM closed) AS closed, ${RUNS_CHANGED} AS runs`,
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
   * closed at the snapshot's start, the latest instant it can have run.
   */
  async closeMissedBySnapshot(m: EntityManager, orgId: string, clusterId: string, snapshotId: string, startedAt: Date): Promise<number> {
    const rows: { closed: string }[] = await m.query(
      `WITH closed AS (
         UPDATE observations o SET running = false, last_seen = GREATEST(o.first_seen, $4::timestamptz)
          WHERE o.org_id = $1 AND o.cluster_id = $2 AND o.running
            AND o.seen_in_snapshot IS DISTINCT FROM $3 AND o.last_seen < $4
          RETURNING ${RUN_COLUMNS('o')}
       ), ${mergeRunsSql('closed', 'closed')}
       SELECT (SELECT count(*) FROM closed) AS closed, ${RUNS_CHANGED} AS runs`,
      [orgId, clusterId, snapshotId, startedAt],
    );
    return Number(rows[0].closed);
  }
}

/** An observation as the run maintenance reads it. */
const RUN_COLUMNS = (o: string) =>
  `${o}.id, ${o}.cluster_id, ${o}.namespace, ${o}.workload_kind, ${o}.workload_name, ${o}.image_digest, ${o}.image_ref, ${o}.first_seen, ${o}.last_seen, ${o}.running`;

const RUNS_CHANGED = '(SELECT count(*) FROM runs_ins) + (SELECT count(*) FROM runs_upd) + (SELECT count(*) FROM runs_del) + (SELECT count(*) FROM runs_groups)';

/**
 * CTEs (to follow other CTEs of one statement, $1 = org) that fold the
 * observations in \`touched\` (post-statement state, RUN_COLUMNS) into
 * workload_image_runs, so the table stays what vigil_workload_image_runs_of()
 * computes from scratch (migration WorkloadImageRuns):
 *
 *  - A row already inside a run of its group changes nothing and is dropped
 *    first: a running row inside a running run, a closed row inside a closed
 *    one, each ending at most a minute after the run's last_seen. Every batch
 *    relists running pods and every new pod extends its workload's init
 *    container run, so as with upsertImages a run is written only when it
 *    starts earlier, starts or stops running, merges with another, or its
 *    last_seen grows by more than a minute: a run's last_seen may trail its
 *    observations' by up to a minute (the rebuild is exact).
 *  - A closed row inside a running run may have been the last one running,
 *    so it is not dropped (see the running probe below).
 *  - The rest, with the runs of their groups they may touch (within the gap
 *    tolerance, or running), are merged by gaps-and-islands as the rebuild
 *    does: per island one run is kept and updated, the others deleted, or a
 *    run is inserted. Candidate runs are found by index probes per group and
 *    locked in group-key order, so concurrent batches of one cluster cannot
 *    deadlock on them.
 *  - A candidate run marked running stays so only if an observation in it
 *    still runs: one probe of observations_running_digest, skipping the rows
 *    this statement closes (\`closed\`, read before they were closed).
 *
 * Running rows are infinite intervals, so a group's running rows are folded
 * to one before any lookup (a snapshot lists many pods of one workload).
 */
function mergeRunsSql(touched: string, closed: string): string {
  const group = 'cluster_id, namespace, wk, wn, d, ref';
  return `
       runs_t AS (
         SELECT cluster_id, namespace, coalesce(workload_kind, '') AS wk, coalesce(workload_name, '') AS wn, image_digest AS d, image_ref AS ref,
                min(first_seen) AS f, max(last_seen) AS l, true AS running, true AS member
           FROM ${touched} WHERE running
          GROUP BY 1, 2, 3, 4, 5, 6
         UNION ALL
         -- a closed row with an empty interval is in no run (as in the rebuild), but may end a running one
         SELECT cluster_id, namespace, coalesce(workload_kind, ''), coalesce(workload_name, ''), image_digest, image_ref, first_seen, last_seen, false,
                last_seen > first_seen
           FROM ${touched} WHERE NOT running
       ), runs_need AS (
         SELECT t.* FROM runs_t t
          WHERE NOT EXISTS (
            SELECT 1 FROM workload_image_runs r
             WHERE r.org_id = $1 AND r.image_digest = t.d AND r.cluster_id = t.cluster_id AND r.namespace = t.namespace
               AND r.workload_kind = t.wk AND r.workload_name = t.wn AND r.image_ref = t.ref AND r.first_seen <= t.f
               AND t.l <= r.last_seen + interval '1 minute' AND r.running = t.running)
       ), runs_cand AS (
         -- Per group (in key order, so concurrent batches lock in the same order), its runs from the
         -- one holding f - gap (runs are disjoint: earlier ones end before it) to e + gap, index probes only.
         SELECT c.* FROM (
           SELECT cluster_id, namespace, wk, wn, d, ref, min(f) - vigil_workload_run_gap() AS lo,
                  max(CASE WHEN running THEN 'infinity'::timestamptz ELSE l END) + vigil_workload_run_gap() AS hi
             FROM runs_need GROUP BY 1, 2, 3, 4, 5, 6
            ORDER BY d, cluster_id, namespace, wk, wn, ref) n
         CROSS JOIN LATERAL (
           SELECT r.id, r.cluster_id, r.namespace, r.workload_kind AS wk, r.workload_name AS wn, r.image_digest AS d, r.image_ref AS ref,
                  r.first_seen AS f, r.last_seen AS l, r.running
             FROM workload_image_runs r
            WHERE r.org_id = $1 AND r.image_digest = n.d AND r.cluster_id = n.cluster_id AND r.namespace = n.namespace
              AND r.workload_kind = n.wk AND r.workload_name = n.wn AND r.image_ref = n.ref
              AND r.first_seen <= n.hi
              AND r.first_seen >= coalesce((
                    SELECT r0.first_seen FROM workload_image_runs r0
                     WHERE r0.org_id = $1 AND r0.image_digest = n.d AND r0.cluster_id = n.cluster_id AND r0.namespace = n.namespace
                       AND r0.workload_kind = n.wk AND r0.workload_name = n.wn AND r0.image_ref = n.ref AND r0.first_seen <= n.lo
                     ORDER BY r0.first_seen DESC LIMIT 1), '-infinity'::timestamptz)
              AND (r.running OR r.last_seen >= n.lo)
            ORDER BY r.first_seen
            FOR UPDATE OF r) c
       ), runs_cand_open AS MATERIALIZED (
         SELECT c.*, c.running AND EXISTS (
                  SELECT 1 FROM observations o
                   WHERE o.org_id = $1 AND o.cluster_id = c.cluster_id AND o.image_digest = c.d AND o.running
                     AND o.namespace = c.namespace AND coalesce(o.workload_kind, '') = c.wk AND coalesce(o.workload_name, '') = c.wn
                     AND o.image_ref = c.ref AND o.first_seen >= c.f AND o.first_seen <= c.l + interval '1 minute'
                     AND o.id NOT IN (SELECT id FROM ${closed})) AS open
           FROM runs_cand c
       ), runs_u AS (
         SELECT ${group}, f, CASE WHEN running THEN 'infinity'::timestamptz ELSE l END AS e, l, running, NULL::bigint AS run_id FROM runs_need WHERE member
         UNION ALL
         SELECT ${group}, f, CASE WHEN open THEN 'infinity'::timestamptz ELSE l END, l, open, id FROM runs_cand_open
       ), runs_p AS (
         SELECT u.*, max(e) OVER (PARTITION BY ${group} ORDER BY f, e ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_e FROM runs_u u
       ), runs_i AS (
         SELECT p.*, count(*) FILTER (WHERE prev_e IS NULL OR f > prev_e + vigil_workload_run_gap())
                       OVER (PARTITION BY ${group} ORDER BY f, e ROWS UNBOUNDED PRECEDING) AS island
           FROM runs_p p
       ), runs_s AS (
         SELECT ${group}, min(f) AS f, max(l) AS l, bool_or(running) AS running, min(run_id) AS keep_id,
                array_remove(array_agg(run_id), NULL) AS run_ids
           FROM runs_i GROUP BY ${group}, island
       ), runs_ins AS (
         INSERT INTO workload_image_runs (org_id, cluster_id, namespace, workload_kind, workload_name, image_digest, image_ref, first_seen, last_seen, running)
         SELECT $1, ${group}, f, l, running FROM runs_s WHERE keep_id IS NULL
         RETURNING 1
       ), runs_groups AS (
         -- a group's first run also lists the group (exposure walks groups); key order, as concurrent inserts wait on each other
         INSERT INTO workload_images (org_id, image_digest, cluster_id, namespace, workload_kind, workload_name, image_ref)
         SELECT DISTINCT $1::uuid, d, cluster_id, namespace, wk, wn, ref FROM runs_s WHERE keep_id IS NULL
          ORDER BY 2, 3, 4, 5, 6, 7
         ON CONFLICT DO NOTHING
         RETURNING 1
       ), runs_upd AS (
         UPDATE workload_image_runs r SET first_seen = s.f, last_seen = s.l, running = s.running
           FROM runs_s s
          WHERE r.id = s.keep_id
            AND (r.first_seen <> s.f OR r.running <> s.running OR s.l > r.last_seen + interval '1 minute' OR cardinality(s.run_ids) > 1)
          RETURNING 1
       ), runs_del AS (
         DELETE FROM workload_image_runs r USING runs_s s
          WHERE r.id = ANY(s.run_ids) AND r.id <> s.keep_id
          RETURNING 1
       )`;
}
