/**
 * The integration suite runs on either engine: SQLite (default) or, with
 * BAYLIGHT_TEST_ENGINE=postgres, PostgreSQL. Then one throwaway cluster serves
 * the whole run (helpers/postgres.ts) and every test server gets a database
 * of its own in it (helpers/engine.ts). `npm test` runs the suite both ways.
 */
import type { TestProject } from 'vitest/node';
import { startTestPostgres } from './postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The throwaway cluster's maintenance database, when the run is on PostgreSQL; '' on SQLite. */
    baylightPostgresAdmin: string;
  }
}

export default async function setup(project: TestProject) {
  const engine = process.env.BAYLIGHT_TEST_ENGINE ?? 'sqlite';
  if (engine !== 'sqlite' && engine !== 'postgres') {
    throw new Error(`BAYLIGHT_TEST_ENGINE=${engine}: use sqlite (default) or postgres`);
  }
  if (engine === 'sqlite') {
    project.provide('baylightPostgresAdmin', '');
    return;
  }
  const cluster = await startTestPostgres();
  project.provide('baylightPostgresAdmin', cluster.admin);
  return () => cluster.stop();
}
