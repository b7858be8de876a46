/**
 * The PostgreSQL tables, in lockstep with ../schema (SQLite): same names, columns
 * and row types (server/src/db/pg-schema.test.ts compares them). drizzle-kit
 * reads this file for the PostgreSQL migrations (drizzle/pg.config.ts).
 */
export * from './people.js';
export * from './lockers.js';
export * from './devices.js';
export * from './notify.js';
export * from './system.js';
export * from './parcels.js';
export * from './audit.js';
export * from './attempts.js';
export * from './assets.js';
export * from './handouts.js';
