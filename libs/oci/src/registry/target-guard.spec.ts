import { ForbiddenTargetError } from '../errors/oci.errors';
import { assertPublicHost, guardedLookup, isForbiddenAddress } from './target-guard';

describe('isForbiddenAddress', () => {
  it.each([
    '127.0.0.1',
    '127.8.9.10',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    '::',
    'fe80::1',
    'fd00:ec2::254',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:a9fe:a9fe',
    'not-an-ip',
  ])('refuses %s', (address) => {
    expect(isForbiddenAddress(address)).toBe(true);
  });

  it.each(['8.8.8.8', '172.32.0.1', '140.82.112.3', '2606:4700::1111', '::ffff:8.8.8.8'])('allows %s', (address) => {
    expect(isForbiddenAddress(address)).toBe(false);
  });
});

describe('assertPublicHost', () => {
  const resolver = (answers: Record<string, string[]>) => async (host: string) =>
    (answers[host] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

  it('refuses a name when any of its addresses is private', async () => {
    const lookup = resolver({ 'registry.example.com': ['140.82.112.3', '10.0.0.7'] });
    await expect(assertPublicHost('registry.example.com', lookup)).rejects.toThrow(ForbiddenTargetError);
    await expect(assertPublicHost('registry.example.com', lookup)).rejects.toThrow(/resolves to 10\.0\.0\.7/);
  });

  it('refuses IP literals without resolving, including bracketed IPv6', async () => {
    await expect(assertPublicHost('169.254.169.254', resolver({}))).rejects.toThrow(ForbiddenTargetError);
    await expect(assertPublicHost('[::1]', resolver({}))).rejects.toThrow(ForbiddenTargetError);
  });

  it('accepts a name whose addresses are all public', async () => {
    await expect(assertPublicHost('ghcr.io', resolver({ 'ghcr.io': ['140.82.112.33'] }))).resolves.toBeUndefined();
  });

  it('refuses at connect time too (DNS rebinding)', async () => {
    const lookup = guardedLookup(resolver({ 'rebind.example': ['127.0.0.1'] }));
    const error = await new Promise((resolve) => lookup('rebind.example', { all: true }, (e) => resolve(e)));
    expect(error).toBeInstanceOf(ForbiddenTargetError);
  });
});
