import { generateCredentialSecret, generateKeyId } from './credential';
import { errorPaths, expectValid } from './test-fixtures';
import { validateRegisterRequest, validateRegisterResponse } from './validation';

describe('register', () => {
  it('accepts a request with a token and versions', () => {
    expectValid(validateRegisterRequest({ registrationToken: 'vrt_0123456789abcdef', agentVersion: '0.1.0', kubernetesVersion: 'v1.30.2' }));
  });

  it('rejects a short, missing or non-string token and unknown fields', () => {
    expect(errorPaths(validateRegisterRequest({ registrationToken: 'short' }))).toEqual(['registrationToken']);
    expect(errorPaths(validateRegisterRequest({}))).toEqual(['registrationToken']);
    expect(errorPaths(validateRegisterRequest({ registrationToken: 1234567890123456789 }))).toEqual(['registrationToken']);
    expect(errorPaths(validateRegisterRequest({ registrationToken: 'vrt_0123456789abcdef', clusterId: 'c1' }))).toEqual(['clusterId']);
  });

  it('accepts a freshly generated credential', () => {
    const credential = { clusterId: 'c8a1f0e2-0000-4000-8000-000000000001', keyId: generateKeyId(), secret: generateCredentialSecret() };
    expect(expectValid(validateRegisterResponse(credential))).toEqual(credential);
  });

  it('rejects a weak secret and a missing key id', () => {
    expect(errorPaths(validateRegisterResponse({ clusterId: 'c1', secret: 'password' })).sort()).toEqual(['keyId', 'secret']);
  });

  it('generates distinct key ids and secrets', () => {
    expect(generateKeyId()).not.toEqual(generateKeyId());
    expect(generateCredentialSecret()).not.toEqual(generateCredentialSecret());
    expect(generateCredentialSecret()).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
