import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { AUTHORIZER } from '@vigil/shared/auth';
import { AuthController } from './auth/auth.controller';
import { AuthenticationGuard } from './auth/authentication.guard';
import { AuthorizationGuard } from './auth/authorization.guard';
import { IamAuthorizer } from './auth/authorizer.service';
import { OidcService } from './auth/oidc.service';
import { SessionTokens } from './auth/session-tokens';
import { ApiTokenStrategy, SessionStrategy } from './auth/strategies';
import { GroupsController } from './controllers/groups.controller';
import { IdentitiesController } from './controllers/identities.controller';
import { OrgsController } from './controllers/orgs.controller';
import { RoleBindingsController } from './controllers/role-bindings.controller';
import {
  ApiTokenRepository,
  GroupRepository,
  IdentityRepository,
  OrganizationRepository,
  RoleBindingRepository,
  UserRepository,
} from './repositories';
import { GroupService } from './services/group.service';
import { IdentityService } from './services/identity.service';
import { IamChangeRecorder } from './services/iam-change.recorder';
import { OrgService } from './services/org.service';
import { RoleBindingService } from './services/role-binding.service';

/**
 * Tenancy, identities, authentication and authorization. Global guards make
 * every route authenticated and role-checked unless it says otherwise.
 */
@Global()
@Module({
  imports: [PassportModule],
  controllers: [AuthController, OrgsController, GroupsController, IdentitiesController, RoleBindingsController],
  providers: [
    OrganizationRepository,
    GroupRepository,
    IdentityRepository,
    ApiTokenRepository,
    RoleBindingRepository,
    UserRepository,
    OrgService,
    GroupService,
    IdentityService,
    RoleBindingService,
    IamChangeRecorder,
    SessionTokens,
    OidcService,
    ApiTokenStrategy,
    SessionStrategy,
    { provide: AUTHORIZER, useClass: IamAuthorizer },
    { provide: APP_GUARD, useClass: AuthenticationGuard },
    { provide: APP_GUARD, useClass: AuthorizationGuard },
  ],
  exports: [AUTHORIZER],
})
export class IamModule {}
