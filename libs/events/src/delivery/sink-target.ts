import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import { isForbiddenAddress } from '@vigil/oci';

export class SinkRefusedError extends Error {}

/** Syntax and scheme of a subscriber's URL: http(s) only, no credentials in it. */
export function parseSinkUrl(sink: string): URL {
  let url: URL;
  try {
    url = new URL(sink);
  } catch {
    throw new SinkRefusedError('sink: must be an absolute http or https URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new SinkRefusedError('sink: must use http or https');
  if (url.username || url.password) throw new SinkRefusedError('sink: must not carry credentials (the signature authenticates Vigil)');
  if (sink.length > 2048) throw new SinkRefusedError('sink: is longer than 2048 characters');
  return url;
}

const resolveAll = (host: string) =>
  new Promise<LookupAddress[]>((resolve, reject) => dnsLookup(host, { all: true, verbatim: true }, (e, a) => (e ? reject(e) : resolve(a))));

/**
 * SSRF guard: a sink must not be a loopback, private, link-local or metadata
 * address (checked for every address the name resolves to) unless the
 * operator allows private targets.
 */
export async function assertSinkReachable(url: URL, allowPrivate: boolean): Promise<void> {
  if (allowPrivate) return;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) ? [host] : (await resolveAll(host).catch(() => [])).map((a) => a.address);
  if (addresses.length === 0) throw new SinkRefusedError(`sink: ${host} does not resolve`);
  if (addresses.some(isForbiddenAddress)) throw new SinkRefusedError(`sink: ${host} is a private, loopback or link-local address`);
}

/** The same check at connect time, so DNS that changes between check and use cannot slip through. */
export function guardedLookup(allowPrivate: boolean) {
  return (hostname: string, options: object, callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, []);
      const bad = allowPrivate ? undefined : addresses.find((a) => isForbiddenAddress(a.address));
      if (bad) return callback(Object.assign(new Error(`refused to connect to ${bad.address}`), { code: 'EVIGILFORBIDDEN' }), []);
      if ((options as { all?: boolean }).all) return callback(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}
