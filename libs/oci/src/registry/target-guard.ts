import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { ForbiddenTargetError } from '../errors/oci.errors';

/**
 * Ranges a registry (or anything reached on a tenant's behalf) must not be:
 * loopback, RFC 1918/4193 private, link-local (cloud metadata lives at
 * 169.254.169.254 and fd00:ec2::254), CGNAT, unspecified, multicast and reserved.
 */
const FORBIDDEN = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  FORBIDDEN.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  FORBIDDEN.addSubnet(network, prefix, 'ipv6');
}

/** True for addresses a tenant-supplied target must not reach. */
export function isForbiddenAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return FORBIDDEN.check(address, 'ipv4');
  if (family !== 6) return true;
  // IPv4-mapped/compatible IPv6 (::ffff:127.0.0.1) would otherwise smuggle an IPv4 loopback.
  const mapped = /^(?:0*:)*(?:ffff:)?(\d+\.\d+\.\d+\.\d+)$/i.exec(address) ?? /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (mapped) {
    const v4 =
      mapped.length === 2
        ? (mapped[1] ?? '')
        : [parseInt(mapped[1] ?? '0', 16) >> 8, parseInt(mapped[1] ?? '0', 16) & 255, parseInt(mapped[2] ?? '0', 16) >> 8, parseInt(mapped[2] ?? '0', 16) & 255].join('.');
    return FORBIDDEN.check(v4, 'ipv4');
  }
  return FORBIDDEN.check(address, 'ipv6');
}

export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))));

function bareHost(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

/**
 * Resolves `hostname` and refuses it when any address is forbidden: a name
 * with one public and one private address could be steered to the private one.
 */
export async function assertPublicHost(hostname: string, resolver: Resolver = systemResolver): Promise<void> {
  const host = bareHost(hostname);
  if (isIP(host)) {
    if (isForbiddenAddress(host)) throw new ForbiddenTargetError(hostname, host);
    return;
  }
  const addresses = await resolver(host);
  for (const { address } of addresses) {
    if (isForbiddenAddress(address)) throw new ForbiddenTargetError(hostname, address);
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for `net.connect` that applies the same rule at connect time, so
 * a DNS answer that changes between the check and the connection (rebinding)
 * cannot reach a private address either.
 */
export function guardedLookup(resolver: Resolver = systemResolver) {
  return (hostname: string, options: { all?: boolean }, callback: LookupCallback): void => {
    resolver(hostname).then(
      (addresses) => {
        const forbidden = addresses.find((a) => isForbiddenAddress(a.address));
        if (forbidden) return callback(new ForbiddenTargetError(hostname, forbidden.address) as unknown as NodeJS.ErrnoException, '');
        const first = addresses[0];
        if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '');
        if (options.all) return callback(null, addresses);
        return callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, ''),
    );
  };
}
