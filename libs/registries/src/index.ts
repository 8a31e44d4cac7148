import { RegistryCredentialEntity } from './registry-credential.entity';

export { RegistriesModule, RegistryCredentialsCoreModule } from './registries.module';
export { OrgRegistryCredentials } from './org-registry-credentials';
export { RegistryCredentialEntity };

export const registryEntities = [RegistryCredentialEntity];
