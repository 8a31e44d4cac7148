import { Injectable, Logger } from '@nestjs/common';
import { AdvisoryIndex } from '@vigil/supply-chain';
import { AdvisoryRepository } from '../repositories/advisory.repository';

/** How often a replica asks Postgres whether another replica imported something. */
const STALE_AFTER_MS = 2_000;
const LOAD_CHUNK = 5_000;

/**
 * The process's `AdvisoryIndex`, kept in step with the `advisories` table:
 * loaded on first use, then refreshed incrementally by revision (new and
 * changed records replace their id; withdrawn ones drop out). The process
 * that imports refreshes at once; other replicas within STALE_AFTER_MS.
 */
@Injectable()
export class AdvisoryIndexService {
  private readonly logger = new Logger('AdvisoryIndexService');
  private index = new AdvisoryIndex();
  private revision = '0';
  private checkedAt = 0;
  private refreshing: Promise<void> | null = null;

  constructor(private readonly advisories: AdvisoryRepository) {}

  /** The index, current as of at most STALE_AFTER_MS ago. */
  async current(): Promise<AdvisoryIndex> {
    if (Date.now() - this.checkedAt > STALE_AFTER_MS) await this.refresh();
    return this.index;
  }

  /** Reads every record changed since the last refresh (one refresh at a time). */
  refresh(): Promise<void> {
    this.refreshing ??= this.load().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  /**
   * Until the index reflects `revision` (a commit this process did not make):
   * a refresh already running may have started before that commit, so at most one more.
   */
  async refreshTo(revision: string): Promise<void> {
    for (let i = 0; i < 2 && BigInt(this.revision) < BigInt(revision); i++) await this.refresh();
  }

  /** The revision the index reflects; matches stored with it are current. */
  get currentRevision(): string {
    return this.revision;
  }

  private async load(): Promise<void> {
    const latest = await this.advisories.maxRevision();
    let loaded = 0;
    while (BigInt(this.revision) < BigInt(latest)) {
      const rows = await this.advisories.loadSince(this.revision, LOAD_CHUNK);
      if (rows.length === 0) break;
      for (const row of rows) {
        this.index.add(row.record);
        this.revision = row.revision;
      }
      loaded += rows.length;
    }
    this.checkedAt = Date.now();
    if (loaded) this.logger.log(`advisory index refreshed: ${loaded} records read, ${this.index.size} active, revision ${this.revision}`);
  }
}
