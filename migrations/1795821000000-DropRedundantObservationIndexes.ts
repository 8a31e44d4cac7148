import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every observation written updates every index on the table, and ingest is
 * Postgres-bound (bench/inventory-ingest). Two indexes are now redundant:
 * digest lookups use observations_digest_id / observations_exposure, and a
 * pod's rows are found through the unique key's (org, cluster, pod_uid) prefix.
 */
export class DropRedundantObservationIndexes1795821000000 implements MigrationInterface {
  name = 'DropRedundantObservationIndexes1795821000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX observations_digest`);
    await q.query(`DROP INDEX observations_running`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX observations_running ON observations (org_id, cluster_id, pod_uid) WHERE running`);
    await q.query(`CREATE INDEX observations_digest ON observations (org_id, image_digest, first_seen)`);
  }
}
