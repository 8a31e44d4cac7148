import { randomBytes } from 'node:crypto';

/** Public, goes in `Vigil-Key-Id`; prefixed so a leaked value is recognisable in logs. */
export function generateKeyId(): string {
  return `vk_${randomBytes(12).toString('base64url')}`;
}

/** 256 bits, base64url (43 chars). Shown to the agent once; the platform stores it encrypted. */
export function generateCredentialSecret(): string {
  return randomBytes(32).toString('base64url');
}
