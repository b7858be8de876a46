/**
 * The integration suite runs on either engine: SQLite (default) or, with
 * BAYLIGHT_TEST_ENGINE=postgres, PostgreSQL. Then one throwaway cluster serves
 * the whole run (helpers/postgres.ts) and every test server gets a database
 * of its own in it (helpers/engine.ts). `npm test` runs the suite both ways.
 */
import type { TestProject } from 'vitest/node';
import { openPostgresDb } from '../../src/db/postgres.js';
import { startTestPostgres } from './postgres.js';

const TEMPLATE = 'baylight_migrated';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The throwaway cluster's maintenance database, when the run is on PostgreSQL; '' on SQLite. */
    baylightPostgresAdmin: string;
    /** A database migrated once for the run, which each test server's database copies; '' on SQLite. */
    baylightPostgresTemplate: string;
  }
}

export default async function setup(project: TestProject) {
  const engine = process.env.BAYLIGHT_TEST_ENGINE ?? 'sqlite';
  if (engine !== 'sqlite' && engine !== 'postgres') {
    throw new Error(`BAYLIGHT_TEST_ENGINE=${engine}: use sqlite (default) or postgres`);
  }
  if (engine === 'sqlite') {
    project.provide('baylightPostgresAdmin', '');
    project.provide('baylightPostgresTemplate', '');
    return;
  }
  const cluster = await startTestPostgres();
  // Migrated once here; a test server's database starts as a copy, and its own migration run
  // finds nothing to do (tests about migrating an empty database open one with createDatabase).
  const template = await cluster.createDatabase(TEMPLATE);
  await (await openPostgresDb(template)).close();
  project.provide('baylightPostgresAdmin', cluster.admin);
  project.provide('baylightPostgresTemplate', TEMPLATE);
  return () => cluster.stop();
}
