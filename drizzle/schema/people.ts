/**
 * People and their credentials. Secrets (tokens, sign-in codes) are stored only
 * as hashes: a copy of the database never lets anyone sign in.
 */
import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

export const ROLES = ['STUDENT', 'STAFF', 'IT', 'MAILROOM', 'COURIER', 'ADMIN', 'DEPARTMENT'] as const;
export type Role = (typeof ROLES)[number];

export const people = sqliteTable(
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
    needsAccessible: integer('needs_accessible', { mode: 'boolean' }).notNull().default(false),
    /** A disabled person cannot sign in; their tokens stop working and their sockets close. */
    disabledAt: integer('disabled_at', { mode: 'timestamp_ms' }),
    createdAt: integer('created_at', { mode: 'timestamp_ms' })
      .notNull()
      .default(sql`(unixepoch('subsec') * 1000)`),
  },
  (t) => [uniqueIndex('people_email_uq').on(t.email)],
);

export const TOKEN_KINDS = ['SESSION', 'API'] as const;

/** Bearer tokens of people: web sessions and API tokens. Only SHA-256 of the token is kept. */
export const personTokens = sqliteTable(
  'person_tokens',
  {
    id: text('id').primaryKey(),
    personId: text('person_id')
      .notNull()
      .references(() => people.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: TOKEN_KINDS }).notNull(),
    name: text('name').notNull(),
    hash: text('hash').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }),
    revokedAt: integer('revoked_at', { mode: 'timestamp_ms' }),
    lastUsedAt: integer('last_used_at', { mode: 'timestamp_ms' }),
  },
  (t) => [uniqueIndex('person_tokens_hash_uq').on(t.hash), index('person_tokens_person_idx').on(t.personId)],
);

/** One-time e-mail sign-in codes (HMAC of the code). */
export const signInCodes = sqliteTable(
  'sign_in_codes',
  {
    id: text('id').primaryKey(),
    email: text('email').notNull(),
    codeHash: text('code_hash').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
    failedAttempts: integer('failed_attempts').notNull().default(0),
    usedAt: integer('used_at', { mode: 'timestamp_ms' }),
  },
  (t) => [index('sign_in_codes_email_idx').on(t.email)],
);
