import { Injectable } from '@nestjs/common';
import { type AdvisorySeverity, maxSeverity } from '@vigil/supply-chain';
import { AdvisoryRepository } from '../repositories/advisory.repository';

export interface ResolvedAdvisory {
  /** As asked for: a record id or an alias (a CVE) of one or more records. */
  id: string;
  /** Every other id the same vulnerability goes by: the records found and their aliases and upstream ids. */
  aliases: string[];
  severity: AdvisorySeverity;
  /** `id` plus `aliases`: what stored matches are looked up by. */
  ids: string[];
  summary?: string;
  withdrawn: boolean;
}

/** Read side of the advisories, for other contexts (exposure) and the API. */
@Injectable()
export class AdvisoryQueryService {
  constructor(private readonly advisories: AdvisoryRepository) {}

  /** The advisory with this id, or the group of records that name it as an alias; null when none does. */
  async resolve(idOrAlias: string): Promise<ResolvedAdvisory | null> {
    const rows = await this.advisories.findByIdOrAlias(idOrAlias);
    if (rows.length === 0) return null;
    const live = rows.filter((r) => r.withdrawn === null);
    const counted = live.length ? live : rows;
    const ids = new Set<string>([idOrAlias]);
    for (const r of counted) for (const x of [r.id, ...r.aliases, ...r.upstream]) ids.add(x);
    const exact = rows.find((r) => r.id === idOrAlias);
    const severity = counted.map((r) => r.severity).reduce(maxSeverity);
    const summary = (exact ?? counted.find((r) => r.summary))?.summary ?? undefined;
    return {
      id: idOrAlias,
      aliases: [...ids].filter((x) => x !== idOrAlias).sort(),
      severity,
      ids: [...ids],
      ...(summary ? { summary } : {}),
      withdrawn: live.length === 0,
    };
  }
}
