/**
 * Guessable secrets (pickup codes, QR tokens, sign-in codes, later loan and
 * return codes) all pass one attempt mechanism (server/src/attempts). These
 * are its counters and its log.
 */
import { index, integer, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * One leaky bucket per scope key, e.g. `code:bank:<id>`, `code:kiosk:<id>`,
 * `code:client:<ip>`, `signin:client:<ip>`. `level` drains with time only; an
 * attempt is added to it before the secret is evaluated (refunded if it was
 * right), so a success never clears earlier failures and concurrent attempts
 * cannot slip past the budget.
 */
export const attemptCounters = sqliteTable('attempt_counters', {
  key: text('key').primaryKey(),
  /** Failures (and attempts in flight) not yet drained, as of `updatedAt`. */
  level: real('level').notNull().default(0),
  /** Lockouts so far, drained by time like `level`; each one locks longer. */
  lockouts: real('lockouts').notNull().default(0),
  lockedUntil: integer('locked_until', { mode: 'timestamp_ms' }),
  /** Every failure ever counted here; never drains (a parcel's exposure is measured against it). */
  total: integer('total').notNull().default(0),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
});

/**
 * The guessable secrets, and SIGN_IN_REQUEST: not a secret but the sending of
 * one (a sign-in code by e-mail), limited the same way so no client can make
 * the server mail a flood of addresses.
 */
export const ATTEMPT_SECRETS = ['PICKUP_CODE', 'PICKUP_QR', 'SIGN_IN_CODE', 'SIGN_IN_REQUEST'] as const;
export const ATTEMPT_OUTCOMES = ['SUCCESS', 'FAILURE', 'LOCKED'] as const;

/** The audit log of attempts: which secret, which outcome, and the credential that made it. */
export const credentialAttempts = sqliteTable(
  'credential_attempts',
  {
    id: text('id').primaryKey(),
    at: integer('at', { mode: 'timestamp_ms' }).notNull(),
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
