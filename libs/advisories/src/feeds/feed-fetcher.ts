import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { assertPublicHost, guardedLookup } from '@vigil/oci';

/** Why a feed could not be read (network, status, size, time); the message is what the API shows. */
export class FeedFetchError extends Error {
  override readonly name = 'FeedFetchError';
}

export interface FeedFetchOptions {
  /** Validators of the body last imported: an unchanged feed answers 304 and costs nothing more. */
  etag: string | null;
  lastModified: string | null;
  timeoutMs: number;
  maxBytes: number;
  /** Off: the connection refuses loopback, private, link-local and metadata addresses (checked at connect time). */
  allowPrivateTargets: boolean;
}

export type FeedFetchResult = { notModified: true } | { notModified: false; body: Buffer; etag: string | null; lastModified: string | null };

/**
 * One conditional GET of a feed URL. No redirects are followed (a feed is
 * configured by its final URL; following one could leave the checked host),
 * the whole exchange has one deadline, and the body is refused as soon as it
 * passes `maxBytes` (declared or counted).
 */
export async function fetchFeed(url: string, options: FeedFetchOptions): Promise<FeedFetchResult> {
  const target = new URL(url);
  if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new FeedFetchError(`${target.protocol} feeds are not supported`);
  // An IP literal never reaches `lookup`: check it (and a name's first answer) here, and names again at connect.
  if (!options.allowPrivateTargets) await assertPublicHost(target.hostname).catch((e: Error) => Promise.reject(new FeedFetchError(e.message)));
  const headers: Record<string, string> = { accept: 'application/zip, application/json, application/octet-stream', 'accept-encoding': 'identity', 'user-agent': 'vigil-advisory-feed' };
  if (options.etag) headers['if-none-match'] = options.etag;
  if (options.lastModified) headers['if-modified-since'] = options.lastModified;
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;

  return new Promise<FeedFetchResult>((resolve, reject) => {
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      req.destroy();
      reject(error instanceof FeedFetchError ? error : new FeedFetchError(error.message));
    };
    const req = send(target, { method: 'GET', headers, ...(options.allowPrivateTargets ? {} : { lookup: guardedLookup() as never }) }, (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      if (status === 304) {
        res.resume();
        settled = true;
        clearTimeout(deadline);
        resolve({ notModified: true });
        return;
      }
      if (status < 200 || status >= 300) {
        res.resume();
        fail(new FeedFetchError(`answered HTTP ${status}${status >= 300 && status < 400 ? ' (redirects are not followed: configure the final URL)' : ''}`));
        return;
      }
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > options.maxBytes) {
        fail(new FeedFetchError(`body of ${declared} bytes is over the limit of ${options.maxBytes} (VIGIL_ADVISORY_FEED_MAX_BYTES)`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > options.maxBytes) fail(new FeedFetchError(`body is over the limit of ${options.maxBytes} bytes (VIGIL_ADVISORY_FEED_MAX_BYTES)`));
        else chunks.push(chunk);
      });
      res.on('error', fail);
      res.on('aborted', () => fail(new FeedFetchError('connection closed before the body ended')));
      res.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        const header = (name: string) => {
          const v = res.headers[name];
          return typeof v === 'string' && v.length <= 1024 ? v : null;
        };
        resolve({ notModified: false, body: Buffer.concat(chunks, size), etag: header('etag'), lastModified: header('last-modified') });
      });
    });
    const deadline = setTimeout(() => fail(new FeedFetchError(`no complete answer within ${options.timeoutMs} ms`)), options.timeoutMs);
    req.on('error', fail);
    req.end();
  });
}
