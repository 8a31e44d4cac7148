import { Global, Module } from '@nestjs/common';
import { OrgRegistryCredentials } from './org-registry-credentials';
import { RegistryCredentialRepository } from './registry-credential.repository';
import { RegistryCredentialService } from './registry-credential.service';
import { RegistryCredentialsController } from './registry-credentials.controller';

/** What every process that talks to registries needs: the per-org login provider. */
@Global()
@Module({
  providers: [RegistryCredentialRepository, OrgRegistryCredentials],
  exports: [OrgRegistryCredentials, RegistryCredentialRepository],
})
export class RegistryCredentialsCoreModule {}

/** The API side: managing the logins. */
@Module({
  imports: [RegistryCredentialsCoreModule],
  controllers: [RegistryCredentialsController],
  providers: [RegistryCredentialService],
})
export class RegistriesModule {}
