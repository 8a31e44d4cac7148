import { BadRequestException } from '@nestjs/common';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface PageRequest {
  limit: number;
  /** Decoded cursor: the sort key of the last item of the previous page. */
  after: string | null;
}

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

/** Parses `limit` and `cursor` query parameters (opaque base64url cursors). */
export function parsePageRequest(query: { limit?: unknown; cursor?: unknown }): PageRequest {
  let limit = DEFAULT_PAGE_SIZE;
  if (query.limit !== undefined && query.limit !== '') {
    const n = Number(query.limit);
    if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE_SIZE) {
      throw new BadRequestException(`limit: must be an integer between 1 and ${MAX_PAGE_SIZE}`);
    }
    limit = n;
  }
  let after: string | null = null;
  if (typeof query.cursor === 'string' && query.cursor !== '') {
    try {
      after = Buffer.from(query.cursor, 'base64url').toString('utf8');
    } catch {
      after = null;
    }
    if (!after) throw new BadRequestException('cursor: is not a cursor this API returned');
  }
  return { limit, after };
}

/** Callers fetch limit+1 rows; the extra row only tells whether another page exists. */
export function toPage<T>(rows: T[], limit: number, keyOf: (row: T) => string): Page<T> {
  const items = rows.slice(0, limit);
  const nextCursor = rows.length > limit ? Buffer.from(keyOf(items[items.length - 1]), 'utf8').toString('base64url') : null;
  return { items, nextCursor };
}
