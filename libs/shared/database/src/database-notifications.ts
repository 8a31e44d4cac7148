import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Client, type Notification } from 'pg';
import { DataSource } from 'typeorm';

/** What a subscriber hears: a payload on its channel, or `reset` when notifications may have been missed. */
export interface NotificationHandler {
  notified(payload: string): void;
  /** The listening connection was (re)opened: anything cached before may be stale. */
  reset(): void;
}

const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;
const MAX_BACKOFF_MS = 10_000;

/**
 * Postgres LISTEN/NOTIFY for in-process caches: one dedicated connection per
 * process (outside the pool, which would hand it to queries), reopened with
 * backoff when it drops. Triggers in migrations send the notifications, so
 * every replica hears every committed change, whoever made it. Until the
 * connection is up, and whenever it is lost, subscribers are told to `reset`
 * and caches must not trust what they hold (`listening` is false).
 */
@Injectable()
export class DatabaseNotifications implements OnApplicationShutdown {
  private readonly logger = new Logger('DatabaseNotifications');
  private readonly handlers = new Map<string, Set<NotificationHandler>>();
  private client: Client | undefined;
  private connecting: Promise<void> | undefined;
  private stopped = false;
  private failures = 0;
  private retry: NodeJS.Timeout | undefined;
  private connected = false;

  constructor(private readonly dataSource: DataSource) {}

  /** True while the connection listens: a cache may keep entries only then. */
  get listening(): boolean {
    return this.connected;
  }

  /** Starts listening on `channel` (connecting on first use); returns a function that stops. */
  subscribe(channel: string, handler: NotificationHandler): () => void {
    if (!CHANNEL.test(channel)) throw new Error(`not a valid notification channel: ${channel}`);
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      const client = this.client;
      if (this.connected && client) client.query(`LISTEN ${channel}`).catch((error) => this.lost(error, client));
    }
    set.add(handler);
    this.ensureConnected();
    return () => set.delete(handler);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    this.connected = false;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private ensureConnected(): void {
    if (this.stopped || this.client || this.connecting) return;
    this.connecting = this.connect().finally(() => (this.connecting = undefined));
  }

  private async connect(): Promise<void> {
    const options = this.dataSource.options as { url?: string; extra?: { application_name?: string; options?: string } };
    const client = new Client({
      connectionString: options.url,
      application_name: `${options.extra?.application_name ?? 'vigil'}-listen`,
      options: options.extra?.options,
      connectionTimeoutMillis: 5_000,
      keepAlive: true,
    });
    client.on('error', (error) => this.lost(error, client));
    client.on('end', () => this.lost(new Error('connection ended'), client));
    client.on('notification', (message: Notification) => this.dispatch(message));
    try {
      await client.connect();
      for (const channel of this.handlers.keys()) await client.query(`LISTEN ${channel}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      this.scheduleRetry(error);
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.connected = true;
    this.failures = 0;
    // Whatever changed while nobody listened is unknown: every subscriber starts over.
    this.resetAll();
  }

  private dispatch(message: Notification): void {
    for (const handler of this.handlers.get(message.channel) ?? []) {
      try {
        handler.notified(message.payload ?? '');
      } catch (error) {
        this.logger.error({ err: error, channel: message.channel }, 'notification handler failed');
      }
    }
  }

  private lost(error: unknown, client?: Client): void {
    if (client && client !== this.client) return;
    const wasConnected = this.connected;
    this.connected = false;
    this.client = undefined;
    client?.end().catch(() => undefined);
    if (this.stopped) return;
    if (wasConnected) this.resetAll();
    this.scheduleRetry(error);
  }

  private scheduleRetry(error: unknown): void {
    if (this.stopped || this.retry) return;
    this.failures++;
    const delay = Math.min(MAX_BACKOFF_MS, 100 * 2 ** Math.min(this.failures, 10));
    this.logger.warn({ err: error, retryInMs: delay }, 'database notifications unavailable; caches are bypassed until they return');
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.ensureConnected();
    }, delay);
    this.retry.unref();
  }

  private resetAll(): void {
    for (const set of this.handlers.values()) {
      for (const handler of set) {
        try {
          handler.reset();
        } catch (error) {
          this.logger.error({ err: error }, 'notification reset handler failed');
        }
      }
    }
  }
}
