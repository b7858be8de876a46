/** The only place with queries over people, their tokens and sign-in codes. */
import { and, desc, eq, gt, inArray, isNull, like, or, sql } from 'drizzle-orm';
import { preparedById, preparedRead, type Db, type Queryable } from '../db/index.js';
import type { PersonRow, Role } from './types.js';

/**
 * Reads go through `db.read` (the transaction itself when called inside one);
 * writes join the caller's transaction or run in one of their own. Methods
 * that take `q` use that handle (a transaction the caller holds).
 */
export function createPeopleStore(db: Db) {
  const { people, personTokens, signInCodes } = db.tables;
  const personById = preparedById(people);
  const tokenByHash = preparedRead((q) =>
    q
      .select({ token: personTokens, person: people })
      .from(personTokens)
      .innerJoin(people, eq(people.id, personTokens.personId))
      .where(eq(personTokens.hash, sql.placeholder('hash')))
      .limit(1)
      .prepare(),
  );
  /** A write: in `q` when given, else in a transaction (joining the caller's, if any). */
  const write = <T>(q: Queryable | undefined, fn: (tx: Queryable) => Promise<T>): Promise<T> =>
    q ? fn(q) : db.transaction(fn);

  return {
    async findById(id: string): Promise<PersonRow | undefined> {
      return personById(db.read, id);
    },
    async findByEmail(email: string, q?: Queryable): Promise<PersonRow | undefined> {
      return (await (q ?? db.read).select().from(people).where(eq(people.email, email)).limit(1))[0];
    },
    async findByIds(ids: readonly string[]): Promise<PersonRow[]> {
      if (ids.length === 0) return [];
      return await db.read
        .select()
        .from(people)
        .where(inArray(people.id, [...ids]));
    },
    async insertPerson(
      row: {
        id: string;
        email: string;
        name: string;
        role: Role;
        department?: string | null;
        studentId?: string | null;
      },
      q?: Queryable,
    ): Promise<PersonRow> {
      return write(
        q,
        async (tx) =>
          (
            await tx
              .insert(people)
              .values({ ...row, createdAt: new Date() })
              .returning()
          )[0]!,
      );
    },
    async search(term: string, limit: number): Promise<PersonRow[]> {
      const like_ = `%${term.toLowerCase()}%`;
      return await db.read
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
        .limit(limit);
    },
    /** People whose e-mail, student id or whole name is `term`, ignoring case: a label's recipient. */
    async findExact(term: string, limit: number): Promise<PersonRow[]> {
      const t = term.toLowerCase();
      return await db.read
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
        .limit(limit);
    },
    async updatePerson(id: string, patch: Partial<PersonRow>, q?: Queryable): Promise<PersonRow> {
      return write(q, async (tx) => (await tx.update(people).set(patch).where(eq(people.id, id)).returning())[0]!);
    },
    async insertToken(row: typeof personTokens.$inferInsert, q?: Queryable): Promise<void> {
      await write(q, async (tx) => {
        await tx.insert(personTokens).values(row);
      });
    },
    /** A token that is not revoked and not expired, with its person. */
    /** The token with this hash and its person, if the token is live and the person enabled (every request asks). */
    async findActiveToken(hash: string, now: Date) {
      const [found] = await tokenByHash(db.read, { hash });
      if (!found || found.token.revokedAt || found.person.disabledAt) return undefined;
      if (found.token.expiresAt && found.token.expiresAt <= now) return undefined;
      return found;
    },
    async touchToken(id: string, at: Date, q?: Queryable): Promise<void> {
      await write(q, async (tx) => {
        await tx.update(personTokens).set({ lastUsedAt: at }).where(eq(personTokens.id, id));
      });
    },
    async revokeToken(id: string, at: Date, q?: Queryable): Promise<void> {
      await write(q, async (tx) => {
        await tx.update(personTokens).set({ revokedAt: at }).where(eq(personTokens.id, id));
      });
    },
    /** Every token of a person not yet revoked. */
    async revokeTokensOf(personId: string, at: Date, q?: Queryable): Promise<void> {
      await write(q, async (tx) => {
        await tx
          .update(personTokens)
          .set({ revokedAt: at })
          .where(and(eq(personTokens.personId, personId), isNull(personTokens.revokedAt)));
      });
    },
    async insertSignInCode(row: typeof signInCodes.$inferInsert, q?: Queryable): Promise<void> {
      await write(q, async (tx) => {
        await tx.insert(signInCodes).values(row);
      });
    },
    /** Codes issued to `email` since `since`, newest first. */
    async recentSignInCodes(email: string, since: Date, q?: Queryable) {
      return await (q ?? db.read)
        .select()
        .from(signInCodes)
        .where(and(eq(signInCodes.email, email), gt(signInCodes.createdAt, since)))
        .orderBy(desc(signInCodes.createdAt));
    },
    async recordFailedSignIn(id: string, q?: Queryable): Promise<void> {
      await write(q, async (tx) => {
        await tx
          .update(signInCodes)
          .set({ failedAttempts: sql`${signInCodes.failedAttempts} + 1` })
          .where(eq(signInCodes.id, id));
      });
    },
    async markSignInCodeUsed(id: string, at: Date, q?: Queryable): Promise<void> {
      await write(q, async (tx) => {
        await tx.update(signInCodes).set({ usedAt: at }).where(eq(signInCodes.id, id));
      });
    },
  };
}
export type PeopleStore = ReturnType<typeof createPeopleStore>;
