import { Injectable } from '@nestjs/common';
import { Coalescer } from '@vigil/shared/database';
import { AgentCredentialRepository, type AgentNonce } from '../repositories';

/**
 * The replay guard's memory: every verified agent request's nonce, in
 * Postgres so every replica shares it. Concurrent requests are checked in
 * one call; a nonce seen twice in the same batch is a replay at once.
 */
@Injectable()
export class AgentNonceLedger {
  private readonly batcher = new Coalescer<AgentNonce, boolean>((_key, nonces) => this.rememberDistinct(nonces));

  constructor(private readonly credentials: AgentCredentialRepository) {}

  /** True when the nonce is new for the cluster (and is now remembered until `expiresAt`). */
  remember(nonce: AgentNonce): Promise<boolean> {
    return this.batcher.submit('nonces', nonce);
  }

  private async rememberDistinct(nonces: AgentNonce[]): Promise<boolean[]> {
    const seen = new Set<string>();
    const distinct: AgentNonce[] = [];
    const positions = nonces.map((n) => {
      const key = `${n.clusterId} ${n.nonce}`;
      if (seen.has(key)) return -1;
      seen.add(key);
      return distinct.push(n) - 1;
    });
    const fresh = await this.credentials.rememberNonces(distinct);
    return positions.map((p) => p >= 0 && fresh[p]);
  }
}
