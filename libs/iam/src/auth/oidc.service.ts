import { BadRequestException, Inject, Injectable, Logger, ServiceUnavailableException, UnauthorizedException } from '@nestjs/common';
import * as oidc from 'openid-client';
import { PLATFORM_CONFIG, PlatformConfig } from '@vigil/shared/config';
import { SecretBox } from '@vigil/shared/crypto';
import { UserRepository } from '../repositories';
import { SessionTokens } from './session-tokens';

interface LoginState {
  state: string;
  nonce: string;
  verifier: string;
  exp: number;
}

const LOGIN_TTL_MS = 10 * 60 * 1000;
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * OIDC sign-in (authorization code + PKCE) against any issuer. The login
 * state travels in a sealed cookie, so any API replica can finish a login.
 */
@Injectable()
export class OidcService {
  private readonly logger = new Logger('OidcService');
  private readonly box: SecretBox;
  private configuration?: Promise<oidc.Configuration>;

  constructor(
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
    private readonly users: UserRepository,
    private readonly sessions: SessionTokens,
  ) {
    this.box = new SecretBox(config.env.VIGIL_SECRET_KEY, 'oidc-login-state');
  }

  get enabled(): boolean {
    return !!this.config.oidc;
  }

  get redirectUri(): string {
    return new URL('/v1/auth/oidc/callback', this.config.env.VIGIL_PUBLIC_URL).toString();
  }

  async startLogin(): Promise<{ authorizationUrl: string; sealedState: string }> {
    const configuration = await this.discover();
    const login: LoginState = {
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      verifier: oidc.randomPKCECodeVerifier(),
      exp: Date.now() + LOGIN_TTL_MS,
    };
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: this.redirectUri,
      scope: 'openid email profile',
      code_challenge: await oidc.calculatePKCECodeChallenge(login.verifier),
      code_challenge_method: 'S256',
      state: login.state,
      nonce: login.nonce,
    });
    return { authorizationUrl: url.toString(), sealedState: this.box.seal(JSON.stringify(login)).toString('base64url') };
  }

  /** Exchanges the code, verifies the ID token, upserts the user, and issues a session JWT. */
  async finishLogin(callbackQuery: string, sealedState: string | undefined) {
    const login = this.openState(sealedState);
    const configuration = await this.discover();
    const callbackUrl = new URL(this.redirectUri);
    callbackUrl.search = callbackQuery;
    let claims: oidc.IDToken | undefined;
    let profile: Record<string, unknown> = {};
    try {
      const tokens = await oidc.authorizationCodeGrant(configuration, callbackUrl, {
        pkceCodeVerifier: login.verifier,
        expectedState: login.state,
        expectedNonce: login.nonce,
        idTokenExpected: true,
      });
      claims = tokens.claims();
      // Many providers keep email/name out of the ID token and serve them from userinfo.
      if (claims?.sub && (claims.email === undefined || claims.name === undefined)) {
        profile = await oidc.fetchUserInfo(configuration, tokens.access_token, claims.sub);
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'OIDC code exchange failed');
      throw new UnauthorizedException('sign-in failed: the identity provider did not confirm the login');
    }
    if (!claims?.sub) throw new UnauthorizedException('sign-in failed: the ID token names no subject');
    const user = await this.users.upsertFromLogin({
      issuer: configuration.serverMetadata().issuer,
      subject: claims.sub,
      email: stringClaim(claims.email ?? profile.email),
      displayName: stringClaim(claims.name ?? profile.name),
    });
    const session = this.sessions.issue(user.id);
    return {
      token: session.token,
      tokenType: 'Bearer' as const,
      expiresAt: session.expiresAt,
      user: { id: user.id, email: user.email, name: user.displayName },
      memberships: await this.users.memberships(user.id),
    };
  }

  private openState(sealed: string | undefined): LoginState {
    const opened = sealed ? this.box.open(Buffer.from(sealed, 'base64url')) : null;
    if (!opened) throw new BadRequestException('sign-in state is missing or invalid: start again at /v1/auth/oidc/login');
    const login = JSON.parse(opened.toString('utf8')) as LoginState;
    if (login.exp < Date.now()) throw new BadRequestException('sign-in took too long: start again at /v1/auth/oidc/login');
    return login;
  }

  private discover(): Promise<oidc.Configuration> {
    const settings = this.config.oidc;
    if (!settings) throw new ServiceUnavailableException('OIDC sign-in is not configured');
    if (!this.configuration) {
      const issuer = new URL(settings.issuerUrl);
      // Plain HTTP only for an issuer on this machine (development and tests).
      const insecure = issuer.protocol === 'http:' && LOOPBACK.has(issuer.hostname);
      this.configuration = oidc
        .discovery(issuer, settings.clientId, settings.clientSecret, undefined, insecure ? { execute: [oidc.allowInsecureRequests] } : {})
        .catch((error) => {
          this.configuration = undefined; // try discovery again on the next login
          this.logger.error({ err: error }, 'OIDC discovery failed');
          throw new ServiceUnavailableException('the identity provider cannot be reached');
        });
    }
    return this.configuration;
  }
}

function stringClaim(value: unknown): string | null {
  return typeof value === 'string' && value.length <= 320 ? value : null;
}
