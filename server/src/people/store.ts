/** The only place with queries over people, their tokens and sign-in codes. */
import { and, desc, eq, gt, isNull, like, or, sql } from 'drizzle-orm';
import type { Queryable } from '../db/index.js';
import { tables } from '../db/index.js';
import type { PersonRow, Role } from './types.js';

const { people, personTokens, signInCodes } = tables;

export function createPeopleStore(db: Queryable) {
  return {
    findById(id: string): PersonRow | undefined {
      return db.select().from(people).where(eq(people.id, id)).get();
    },
    findByEmail(email: string, q: Queryable = db): PersonRow | undefined {
      return q.select().from(people).where(eq(people.email, email)).get();
    },
    findByIds(ids: readonly string[]): PersonRow[] {
      if (ids.length === 0) return [];
      return db
        .select()
        .from(people)
        .where(or(...ids.map((id) => eq(people.id, id))))
        .all();
    },
    insertPerson(row: {
      id: string;
      email: string;
      name: string;
      role: Role;
      department?: string | null;
      studentId?: string | null;
    }): PersonRow {
      return db
        .insert(people)
        .values({ ...row, createdAt: new Date() })
        .returning()
        .get();
    },
    search(term: string, limit: number): PersonRow[] {
      const like_ = `%${term.toLowerCase()}%`;
      return db
        .select()
        .from(people)
        .where(
          or(
            like(sql`lower(${people.name})`, like_),
            like(people.email, like_),
            like(sql`lower(coalesce(${people.studentId}, ''))`, like_),
          ),
        )
        .orderBy(people.name)
        .limit(limit)
        .all();
    },
    /** People whose e-mail, student id or whole name is `term`, ignoring case: a label's recipient. */
    findExact(term: string, limit: number): PersonRow[] {
      const t = term.toLowerCase();
      return db
        .select()
        .from(people)
        .where(
          or(
            eq(people.email, t),
            eq(sql`lower(coalesce(${people.studentId}, ''))`, t),
            eq(sql`lower(trim(${people.name}))`, t),
          ),
        )
        .orderBy(people.name)
        .limit(limit)
        .all();
    },
    updatePerson(id: string, patch: Partial<PersonRow>): PersonRow {
      return db.update(people).set(patch).where(eq(people.id, id)).returning().get();
    },
    insertToken(row: typeof personTokens.$inferInsert) {
      db.insert(personTokens).values(row).run();
    },
    /** A token that is not revoked and not expired, with its person. */
    findActiveToken(hash: string, now: Date) {
      return db
        .select({ token: personTokens, person: people })
        .from(personTokens)
        .innerJoin(people, eq(people.id, personTokens.personId))
        .where(
          and(
            eq(personTokens.hash, hash),
            isNull(personTokens.revokedAt),
            or(isNull(personTokens.expiresAt), gt(personTokens.expiresAt, now)),
            isNull(people.disabledAt),
          ),
        )
        .get();
    },
    touchToken(id: string, at: Date) {
      db.update(personTokens).set({ lastUsedAt: at }).where(eq(personTokens.id, id)).run();
    },
    revokeToken(id: string, at: Date) {
      db.update(personTokens).set({ revokedAt: at }).where(eq(personTokens.id, id)).run();
    },
    /** Every token of a person not yet revoked. */
    revokeTokensOf(personId: string, at: Date) {
      db.update(personTokens)
        .set({ revokedAt: at })
        .where(and(eq(personTokens.personId, personId), isNull(personTokens.revokedAt)))
        .run();
    },
    insertSignInCode(row: typeof signInCodes.$inferInsert) {
      db.insert(signInCodes).values(row).run();
    },
    /** Codes issued to `email` since `since`, newest first. */
    recentSignInCodes(email: string, since: Date, q: Queryable = db) {
      return q
        .select()
        .from(signInCodes)
        .where(and(eq(signInCodes.email, email), gt(signInCodes.createdAt, since)))
        .orderBy(desc(signInCodes.createdAt))
        .all();
    },
    recordFailedSignIn(id: string, q: Queryable = db) {
      q.update(signInCodes)
        .set({ failedAttempts: sql`${signInCodes.failedAttempts} + 1` })
        .where(eq(signInCodes.id, id))
        .run();
    },
    markSignInCodeUsed(id: string, at: Date, q: Queryable = db) {
      q.update(signInCodes).set({ usedAt: at }).where(eq(signInCodes.id, id)).run();
    },
  };
}
export type PeopleStore = ReturnType<typeof createPeopleStore>;
