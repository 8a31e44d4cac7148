import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A command listed to an agent is claimed for a while: a second poller of the
 * same cluster (two replicas during a leader handover, or leader election
 * turned off) does not get it too. An agent that dies before acknowledging
 * loses the claim when it runs out, and the command is listed again.
 */
export class AgentCommandClaims1795840000000 implements MigrationInterface {
  name = 'AgentCommandClaims1795840000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE agent_commands ADD COLUMN claimed_until timestamptz, ADD COLUMN claims integer NOT NULL DEFAULT 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE agent_commands DROP COLUMN claimed_until, DROP COLUMN claims`);
  }
}
