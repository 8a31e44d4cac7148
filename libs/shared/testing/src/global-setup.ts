import { prepareTemplateDatabase } from './test-database';

/** Runs once per jest run: migrates a template database that every test file clones. */
export default async function globalSetup(): Promise<void> {
  await prepareTemplateDatabase();
}
