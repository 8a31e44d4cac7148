import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy as BearerStrategy } from 'passport-http-bearer';
import { ExtractJwt, Strategy as JwtStrategy } from 'passport-jwt';
import { Principal } from '@vigil/shared/auth';
import { PLATFORM_CONFIG, PlatformConfig } from '@vigil/shared/config';
import { secretsEqual, sha256 } from '@vigil/shared/crypto';
import { ApiTokenRepository, UserRepository } from '../repositories';
import { SESSION_AUDIENCE, SESSION_ISSUER, sessionSigningKey } from './session-tokens';

export const API_TOKEN_PREFIX = 'vgl';

/** Opaque API tokens of service identities, and the bootstrap platform-admin token. */
@Injectable()
export class ApiTokenStrategy extends PassportStrategy(BearerStrategy, 'api-token') {
  constructor(
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
    private readonly tokens: ApiTokenRepository,
  ) {
    super();
  }

  async validate(token: string): Promise<Principal | false> {
    const admin = this.config.env.VIGIL_ADMIN_TOKEN;
    if (admin && secretsEqual(token, admin)) return { type: 'platform-admin' };
    if (!token.startsWith(`${API_TOKEN_PREFIX}_`) || token.length > 200) return false;
    const resolved = await this.tokens.resolve(sha256(token));
    if (!resolved) return false;
    if (!resolved.lastUsedAt || Date.now() - resolved.lastUsedAt.getTime() > 60_000) {
      await this.tokens.touch(resolved.orgId, resolved.tokenId);
    }
    return { type: 'identity', identityId: resolved.identityId, orgId: resolved.orgId, via: 'api-token', tokenId: resolved.tokenId };
  }
}

/** Session JWTs of users signed in through OIDC. */
@Injectable()
export class SessionStrategy extends PassportStrategy(JwtStrategy, 'session') {
  constructor(
    @Inject(PLATFORM_CONFIG) config: PlatformConfig,
    private readonly users: UserRepository,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: sessionSigningKey(config),
      algorithms: ['HS256'],
      audience: SESSION_AUDIENCE,
      issuer: SESSION_ISSUER,
      ignoreExpiration: false,
    });
  }

  async validate(payload: { sub?: unknown; typ?: unknown }): Promise<Principal | false> {
    if (payload.typ !== 'session' || typeof payload.sub !== 'string') return false;
    const user = await this.users.findById(payload.sub);
    if (!user) return false;
    return { type: 'user', userId: user.id, memberships: await this.users.memberships(user.id) };
  }
}
