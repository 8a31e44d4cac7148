import { ConfigError, loadPlatformConfig } from './load-config';

const valid = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/vigil',
  REDIS_URL: 'redis://127.0.0.1:6379',
  VIGIL_SECRET_KEY: 'k'.repeat(32),
};

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadPlatformConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadPlatformConfig', () => {
  it('accepts a complete environment and applies defaults', () => {
    const config = loadPlatformConfig(valid);
    expect(config.env.PORT).toBe(8080);
    expect(config.env.VIGIL_ALLOW_PRIVATE_TARGETS).toBe(false);
    expect(config.env.VIGIL_INSECURE_REGISTRIES).toEqual([]);
    expect(config.oidc).toBeUndefined();
  });

  it('names every missing variable', () => {
    const problems = problemsOf({});
    expect(problems.some((p) => p.startsWith('DATABASE_URL:'))).toBe(true);
    expect(problems.some((p) => p.startsWith('REDIS_URL:'))).toBe(true);
    expect(problems.some((p) => p.startsWith('VIGIL_SECRET_KEY:'))).toBe(true);
  });

  it('names a bad value', () => {
    expect(problemsOf({ ...valid, PORT: 'eighty' })).toEqual(['PORT: must be a TCP port (1-65535)']);
    expect(problemsOf({ ...valid, DATABASE_URL: 'mysql://x' })).toEqual(['DATABASE_URL: must be a postgres:// URL']);
    expect(problemsOf({ ...valid, VIGIL_ADMIN_TOKEN: 'short' })[0]).toMatch(/^VIGIL_ADMIN_TOKEN:/);
  });

  it('parses the insecure registries list', () => {
    const config = loadPlatformConfig({ ...valid, VIGIL_INSECURE_REGISTRIES: 'localhost:5000, Registry.local ' });
    expect(config.env.VIGIL_INSECURE_REGISTRIES).toEqual(['localhost:5000', 'registry.local']);
  });

  it('requires the OIDC settings together', () => {
    expect(problemsOf({ ...valid, VIGIL_OIDC_ISSUER_URL: 'https://idp.example' })[0]).toMatch(/VIGIL_OIDC_CLIENT_ID/);
  });

  it('reads advisory feeds as a list of http(s) URLs and names a bad one', () => {
    const config = loadPlatformConfig({ ...valid, VIGIL_ADVISORY_FEEDS: ' https://osv.example/npm/all.zip, http://10.0.0.5/feed.json ', VIGIL_ADVISORY_FEED_INTERVAL_SECONDS: '600' });
    expect(config.env.VIGIL_ADVISORY_FEEDS).toEqual(['https://osv.example/npm/all.zip', 'http://10.0.0.5/feed.json']);
    expect(config.env.VIGIL_ADVISORY_FEED_INTERVAL_SECONDS).toBe(600);
    expect(loadPlatformConfig(valid).env.VIGIL_ADVISORY_FEEDS).toEqual([]);
    expect(problemsOf({ ...valid, VIGIL_ADVISORY_FEEDS: 'https://ok.example/a.zip,file:///etc/passwd' })).toEqual([expect.stringMatching(/^VIGIL_ADVISORY_FEEDS: "file:\/\/\/etc\/passwd" is not an http\(s\) URL/)]);
    expect(problemsOf({ ...valid, VIGIL_ADVISORY_FEEDS: 'https://user:pw@osv.example/a.zip' })[0]).toMatch(/^VIGIL_ADVISORY_FEEDS: /);
    expect(problemsOf({ ...valid, VIGIL_ADVISORY_FEED_INTERVAL_SECONDS: 'soon' })[0]).toMatch(/^VIGIL_ADVISORY_FEED_INTERVAL_SECONDS: /);
  });
});
