/**
 * Guessable secrets (pickup codes, QR tokens, sign-in codes, later loan and
 * return codes) all pass one attempt mechanism (server/src/attempts). These
 * are its counters and its log.
 */
import { doublePrecision, index, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { TIMESTAMP } from './columns.js';
import { ATTEMPT_OUTCOMES, ATTEMPT_SECRETS } from '../schema/attempts.js';

/**
 * One leaky bucket per scope key, e.g. `code:bank:<id>`, `code:kiosk:<id>`,
 * `code:client:<ip>`, `signin:client:<ip>`. `level` drains with time only; an
 * attempt is added to it before the secret is evaluated (refunded if it was
 * right), so a success never clears earlier failures and concurrent attempts
 * cannot slip past the budget.
 */
export const attemptCounters = pgTable('attempt_counters', {
  key: text('key').primaryKey(),
  /** Failures (and attempts in flight) not yet drained, as of `updatedAt`. */
  level: doublePrecision('level').notNull().default(0),
  /** Lockouts so far, drained by time like `level`; each one locks longer. */
  lockouts: doublePrecision('lockouts').notNull().default(0),
  lockedUntil: timestamp('locked_until', TIMESTAMP),
  /** Every failure ever counted here; never drains (a parcel's exposure is measured against it). */
  total: integer('total').notNull().default(0),
  updatedAt: timestamp('updated_at', TIMESTAMP).notNull(),
});

/** The audit log of attempts: which secret, which outcome, and the credential that made it. */
export const credentialAttempts = pgTable(
  'credential_attempts',
  {
    id: text('id').primaryKey(),
    at: timestamp('at', TIMESTAMP).notNull(),
    secret: text('secret', { enum: ATTEMPT_SECRETS }).notNull(),
    outcome: text('outcome', { enum: ATTEMPT_OUTCOMES }).notNull(),
    /** Who made it: `kiosk:<id>`, `device:<bankId>`, `person:<id>` or `anonymous`. */
    credential: text('credential').notNull(),
    /** The network client (IP address) it came from. */
    client: text('client'),
    bankId: text('bank_id'),
    /** The parcel opened (success) — never the parcel a wrong code was aimed at, which is unknowable. */
    parcelId: text('parcel_id'),
  },
  (t) => [index('credential_attempts_at_idx').on(t.at), index('credential_attempts_bank_idx').on(t.bankId, t.at)],
);
