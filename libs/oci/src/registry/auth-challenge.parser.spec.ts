import { parseAuthChallenges } from './auth-challenge.parser';

describe('parseAuthChallenges', () => {
  it('reads a registry bearer challenge with a comma inside the quoted scope', () => {
    expect(
      parseAuthChallenges('Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:acme/app:pull,push"'),
    ).toEqual([
      {
        scheme: 'bearer',
        params: { realm: 'https://auth.example.com/token', service: 'registry.example.com', scope: 'repository:acme/app:pull,push' },
      },
    ]);
  });

  it('reads basic challenges, unquoted values and escapes', () => {
    expect(parseAuthChallenges('Basic realm=registry')).toEqual([{ scheme: 'basic', params: { realm: 'registry' } }]);
    expect(parseAuthChallenges('Bearer realm="a\\"b"')).toEqual([{ scheme: 'bearer', params: { realm: 'a"b' } }]);
  });

  it('reads several challenges in one header and in several headers', () => {
    const parsed = parseAuthChallenges(['Basic realm="r1", Bearer realm="https://t/token",service="s"', 'Negotiate']);
    expect(parsed.map((c) => c.scheme)).toEqual(['basic', 'bearer', 'negotiate']);
    expect(parsed[1]?.params).toEqual({ realm: 'https://t/token', service: 's' });
  });

  it('returns nothing for an absent header', () => {
    expect(parseAuthChallenges(undefined)).toEqual([]);
  });
});
