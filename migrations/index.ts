import { IamSpine1795809000000 } from './1795809000000-IamSpine';

/** Every migration in order; data sources list them explicitly (no globbing at run time). */
export const allMigrations = [IamSpine1795809000000];
