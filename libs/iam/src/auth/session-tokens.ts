import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { PLATFORM_CONFIG, PlatformConfig } from '@vigil/shared/config';
import { deriveKey } from '@vigil/shared/crypto';

export const SESSION_AUDIENCE = 'vigil-api';
export const SESSION_ISSUER = 'vigil';

export function sessionSigningKey(config: PlatformConfig): string {
  return deriveKey(config.env.VIGIL_SECRET_KEY, 'session-jwt').toString('base64');
}

/** Short-lived HS256 session JWTs handed out after an OIDC sign-in. */
@Injectable()
export class SessionTokens {
  private readonly jwt: JwtService;

  constructor(@Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig) {
    this.jwt = new JwtService({ secret: sessionSigningKey(config) });
  }

  issue(userId: string): { token: string; expiresAt: string } {
    const ttl = this.config.env.VIGIL_SESSION_TTL_SECONDS;
    const token = this.jwt.sign(
      { typ: 'session' },
      { subject: userId, expiresIn: ttl, audience: SESSION_AUDIENCE, issuer: SESSION_ISSUER, algorithm: 'HS256' },
    );
    return { token, expiresAt: new Date(Date.now() + ttl * 1000).toISOString() };
  }
}
