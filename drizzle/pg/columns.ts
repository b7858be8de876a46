/**
 * How the PostgreSQL tables store what SQLite keeps as integers: instants are
 * `timestamptz` with millisecond precision, read and written as `Date`
 * exactly like SQLite's `integer({ mode: 'timestamp_ms' })`.
 */
export const TIMESTAMP = { mode: 'date', withTimezone: true, precision: 3 } as const;
