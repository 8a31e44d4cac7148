export { IamModule } from './iam.module';
export { iamEntities } from './entities';
export { ORG_HEADER } from './auth/authorization.guard';
