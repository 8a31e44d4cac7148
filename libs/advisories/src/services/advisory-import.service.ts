import { BadRequestException, ForbiddenException, Injectable, Logger } from '@nestjs/common';
import { Caller, isPlatformAdmin } from '@vigil/shared/auth';
import { type Advisory, parseOsvRecord } from '@vigil/supply-chain';
import { OsvPayloadError, readOsvPayload } from '../import/osv-payload.reader';
import { AdvisoryRepository } from '../repositories/advisory.repository';
import { AdvisoryIndexService } from './advisory-index.service';
import { AdvisoryMatchingService } from './advisory-matching.service';

export interface ImportRejection {
  id?: string;
  error: string;
}

export interface ImportResult {
  imported: number;
  updated: number;
  /** Records already stored with the same or a newer `modified`. */
  unchanged: number;
  /** The first MAX_LISTED_REJECTIONS rejections; `rejectedTotal` counts them all. */
  rejected: ImportRejection[];
  rejectedTotal: number;
  /**
   * New and updated advisories whose image matches the worker now recomputes
   * (`advisory.match` job; progress and failures at GET /v1/advisory-matching).
   */
  matchesPending: number;
}

const BATCH = 500;
const MAX_LISTED_REJECTIONS = 1000;

/**
 * `POST /v1/advisories/import`: OSV records in, upserted by id and `modified`.
 * Answers once they are committed; re-matching image SBOMs is a worker job.
 */
@Injectable()
export class AdvisoryImportService {
  private readonly logger = new Logger('AdvisoryImportService');

  constructor(
    private readonly advisories: AdvisoryRepository,
    private readonly index: AdvisoryIndexService,
    private readonly matching: AdvisoryMatchingService,
  ) {}

  async import(caller: Caller, body: unknown): Promise<ImportResult> {
    // Advisories are platform-wide: one tenant must not change what every tenant is matched against.
    if (!isPlatformAdmin(caller)) throw new ForbiddenException('importing advisories needs a platform administrator');
    return this.importPayload(body);
  }

  /** The import itself, for callers that already hold the right (a scheduled feed fetch in the worker). */
  async importPayload(body: unknown): Promise<ImportResult> {
    const result: ImportResult = { imported: 0, updated: 0, unchanged: 0, rejected: [], rejectedTotal: 0, matchesPending: 0 };
    const changed: string[] = [];
    let revision = '0';
    let batch = new Map<string, Advisory>();
    const flush = async () => {
      if (batch.size === 0) return;
      const records = [...batch.values()];
      batch = new Map();
      const outcome = await this.advisories.upsert(records);
      result.imported += outcome.inserted.length;
      result.updated += outcome.updated.length;
      result.unchanged += records.length - outcome.inserted.length - outcome.updated.length;
      changed.push(...outcome.inserted, ...outcome.updated);
      if (BigInt(outcome.revision) > BigInt(revision)) revision = outcome.revision;
    };
    const reject = (rejection: ImportRejection) => {
      result.rejectedTotal += 1;
      if (result.rejected.length < MAX_LISTED_REJECTIONS) result.rejected.push(rejection);
    };

    try {
      for (const candidate of readOsvPayload(body)) {
        const where = candidate.source === 'body' ? '' : `${candidate.source}: `;
        if ('error' in candidate) {
          reject({ error: `${where}${candidate.error}` });
          continue;
        }
        const parsed = parseOsvRecord(candidate.json);
        if (!parsed.ok) {
          reject({ ...(parsed.id !== undefined && { id: parsed.id }), error: `${where}${parsed.error}` });
          continue;
        }
        // The same id twice in one body: the newer copy wins, as it would across imports.
        const seen = batch.get(parsed.advisory.id);
        if (seen && seen.modified >= parsed.advisory.modified) {
          result.unchanged += 1;
          continue;
        }
        if (seen) result.unchanged += 1;
        batch.set(parsed.advisory.id, parsed.advisory);
        if (batch.size >= BATCH) await flush();
      }
    } catch (err) {
      if (err instanceof OsvPayloadError) {
        if (changed.length === 0) throw new BadRequestException(err.message);
        // Records before the failure are committed; say so rather than pretend nothing happened.
        reject({ error: err.message });
      } else {
        throw err;
      }
    }
    await flush();

    await this.index.refresh();
    if (changed.length) {
      // The due rows committed with the advisories; a lost job is re-added by the sweep.
      await this.matching.enqueue(revision);
      result.matchesPending = changed.length;
    }
    this.logger.log(`advisory import: ${result.imported} new, ${result.updated} updated, ${result.unchanged} unchanged, ${result.rejectedTotal} rejected`);
    return result;
  }
}
