import { dropTemplateDatabase } from './test-database';

/** Drops this run's template database (test files drop their own clones). */
export default async function globalTeardown(): Promise<void> {
  await dropTemplateDatabase();
}
