import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Caller, CurrentCaller, PlatformRoute, Public } from '@vigil/shared/auth';
import { OidcService } from './oidc.service';

const LOGIN_COOKIE = 'vigil_oidc_login';

function readCookie(request: Request, name: string): string | undefined {
  const header = request.headers.cookie ?? '';
  for (const part of header.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

@ApiTags('auth')
@Controller('v1')
export class AuthController {
  constructor(private readonly oidc: OidcService) {}

  @Public()
  @Get('auth/oidc/login')
  @ApiOperation({ summary: 'Start an OIDC sign-in: redirects to the identity provider' })
  async login(@Res() response: Response): Promise<void> {
    const { authorizationUrl, sealedState } = await this.oidc.startLogin();
    response.cookie(LOGIN_COOKIE, sealedState, {
      httpOnly: true,
      sameSite: 'lax',
      secure: this.oidc.redirectUri.startsWith('https:'),
      path: '/v1/auth/oidc',
      maxAge: 10 * 60 * 1000,
    });
    response.redirect(302, authorizationUrl);
  }

  @Public()
  @Get('auth/oidc/callback')
  @ApiOperation({ summary: 'Finish an OIDC sign-in: returns a short-lived session token (Bearer)' })
  async callback(@Req() request: Request, @Res({ passthrough: true }) response: Response) {
    const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
    const result = await this.oidc.finishLogin(query, readCookie(request, LOGIN_COOKIE));
    response.clearCookie(LOGIN_COOKIE, { path: '/v1/auth/oidc' });
    return result;
  }

  @PlatformRoute()
  @Get('me')
  @ApiOperation({ summary: 'Who the bearer token belongs to, and the org it acts in' })
  me(@CurrentCaller() caller: Caller) {
    return { principal: caller.principal, orgId: caller.orgId, grants: caller.grants };
  }
}
