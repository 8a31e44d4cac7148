import { createServer, Server, Socket, connect } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP proxy in front of a server that a test can cut off the way a network
 * partition does: bytes stop flowing both ways and new connections are
 * accepted but never answered, so the client sees silence and its own
 * timeouts, not a quick connection error. `heal()` resets the dead
 * connections (as TCP keepalive eventually would) and forwards again.
 */
export class PartitionableProxy {
  private server?: Server;
  private readonly pairs = new Set<{ client: Socket; upstream?: Socket }>();
  private partitioned = false;

  constructor(private readonly targetPort: number) {}

  async start(): Promise<string> {
    this.server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this.url;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  get isPartitioned(): boolean {
    return this.partitioned;
  }

  partition(): void {
    this.partitioned = true;
    for (const pair of this.pairs) this.blackhole(pair);
  }

  heal(): void {
    this.partitioned = false;
    for (const pair of this.pairs) pair.client.destroy();
    this.pairs.clear();
  }

  async stop(): Promise<void> {
    for (const pair of this.pairs) {
      pair.client.destroy();
      pair.upstream?.destroy();
    }
    this.pairs.clear();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private accept(client: Socket): void {
    const pair: { client: Socket; upstream?: Socket } = { client };
    this.pairs.add(pair);
    client.on('error', () => undefined);
    client.on('close', () => {
      pair.upstream?.destroy();
      this.pairs.delete(pair);
    });
    if (this.partitioned) return this.blackhole(pair);
    const upstream = connect(this.targetPort, '127.0.0.1');
    pair.upstream = upstream;
    upstream.on('error', () => client.destroy());
    upstream.on('close', () => !this.partitioned && client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** Swallows whatever the client sends and answers nothing. */
  private blackhole(pair: { client: Socket; upstream?: Socket }): void {
    pair.client.unpipe();
    pair.upstream?.unpipe();
    pair.upstream?.destroy();
    pair.upstream = undefined;
    pair.client.removeAllListeners('data');
    pair.client.on('data', () => undefined);
    pair.client.resume();
  }
}
