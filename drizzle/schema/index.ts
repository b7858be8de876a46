/** Every table, by domain. drizzle-kit reads this file to generate migrations. */
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
