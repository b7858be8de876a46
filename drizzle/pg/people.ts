/**
 * People and their credentials. Secrets (tokens, sign-in codes) are stored only
 * as hashes: a copy of the database never lets anyone sign in.
 */
import { boolean, index, integer, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { TIMESTAMP } from './columns.js';
import { ROLES, TOKEN_KINDS } from '../schema/people.js';

export const people = pgTable(
  'people',
  {
    id: text('id').primaryKey(),
    /** Lower-cased; unique. */
    email: text('email').notNull(),
    name: text('name').notNull(),
    role: text('role', { enum: ROLES }).notNull(),
    department: text('department'),
    studentId: text('student_id'),
    /** A bank id; not a foreign key so people.ts stays independent of lockers.ts. */
    preferredBankId: text('preferred_bank_id'),
    needsAccessible: boolean('needs_accessible').notNull().default(false),
    /** A disabled person cannot sign in; their tokens stop working and their sockets close. */
    disabledAt: timestamp('disabled_at', TIMESTAMP),
    createdAt: timestamp('created_at', TIMESTAMP).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('people_email_uq').on(t.email)],
);

/** Bearer tokens of people: web sessions and API tokens. Only SHA-256 of the token is kept. */
export const personTokens = pgTable(
  'person_tokens',
  {
    id: text('id').primaryKey(),
    personId: text('person_id')
      .notNull()
      .references(() => people.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: TOKEN_KINDS }).notNull(),
    name: text('name').notNull(),
    hash: text('hash').notNull(),
    createdAt: timestamp('created_at', TIMESTAMP).notNull(),
    expiresAt: timestamp('expires_at', TIMESTAMP),
    revokedAt: timestamp('revoked_at', TIMESTAMP),
    lastUsedAt: timestamp('last_used_at', TIMESTAMP),
  },
  (t) => [uniqueIndex('person_tokens_hash_uq').on(t.hash), index('person_tokens_person_idx').on(t.personId)],
);

/** One-time e-mail sign-in codes (HMAC of the code). */
export const signInCodes = pgTable(
  'sign_in_codes',
  {
    id: text('id').primaryKey(),
    email: text('email').notNull(),
    codeHash: text('code_hash').notNull(),
    createdAt: timestamp('created_at', TIMESTAMP).notNull(),
    expiresAt: timestamp('expires_at', TIMESTAMP).notNull(),
    failedAttempts: integer('failed_attempts').notNull().default(0),
    usedAt: timestamp('used_at', TIMESTAMP),
  },
  (t) => [index('sign_in_codes_email_idx').on(t.email)],
);
