/**
 * Kiosks: the touchscreen on a locker bank. A kiosk acts for its bank through
 * a credential an admin pairs with that bank — never as a person — so it can
 * take keypad codes and QR scans for that bank only.
 */
import { and, desc, eq, isNull } from 'drizzle-orm';
import type { Bus } from '../bus/index.js';
import { publishRevocation, RevocationCloseCode } from '../bus/revocations.js';
import type { AttemptService } from '../attempts/service.js';
import type { kiosks as kiosksTable } from '../../../drizzle/schema/index.js';
import type { Db, Queryable } from '../db/index.js';
import { authorize, checkAccess } from '../access/authorize.js';
import type { Viewer } from '../people/types.js';
import type { Clock } from '../shared/clock.js';
import { sha256 } from '../shared/crypto.js';
import { badInput, conflict, notFound } from '../shared/errors.js';
import { newId, randomToken } from '../shared/ids.js';

export const KIOSK_TOKEN_PREFIX = 'blk';

export type KioskRow = typeof kiosksTable.$inferSelect;

export interface KioskServiceDeps {
  db: Db;
  clock: Clock;
  bus: Bus;
  /** How long a credential lasts (KIOSK_CREDENTIAL_TTL_DAYS); an admin rotates it before then. */
  ttlMs: number;
  attempts: AttemptService;
}

export function createKioskService({ db, clock, bus, ttlMs, attempts }: KioskServiceDeps) {
  const { kiosks, lockerBanks } = db.tables;
  const find = async (id: string) => (await db.read.select().from(kiosks).where(eq(kiosks.id, id)).limit(1))[0];
  const bankOf = async (id: string) =>
    (await db.read.select().from(lockerBanks).where(eq(lockerBanks.id, id)).limit(1))[0];

  /** A new credential row for `bankId`, inside the caller's transaction: the token is shown once, only its hash kept. */
  async function issue(tx: Queryable, bankId: string, name: string) {
    const token = randomToken(KIOSK_TOKEN_PREFIX);
    const now = clock.now();
    const expiresAt = new Date(now.getTime() + ttlMs);
    const row = (
      await tx
        .insert(kiosks)
        .values({ id: newId('ksk'), bankId, name, tokenHash: sha256(token), createdAt: now, expiresAt })
        .returning()
    )[0];
    if (!row) throw new Error('kiosk insert returned nothing');
    return { id: row.id, bankId, name: row.name, token, expiresAt };
  }

  /** Closes the credential's open sockets on every instance (after the commit). */
  const closeSockets = (kioskId: string, reason: string) =>
    publishRevocation(bus, { match: { kioskId }, code: RevocationCloseCode.Revoked, reason });

  return {
    async createCredential(viewer: Viewer | null, bankId: string, name: string) {
      authorize(viewer, 'Mutation.createKioskCredential');
      const bank = await bankOf(bankId);
      if (!bank) throw notFound('Locker bank');
      const trimmed = name.trim();
      if (!trimmed || trimmed.length > 80)
        throw badInput('A kiosk needs a name of 1–80 characters.', { field: 'name' });
      return db.transaction((tx) => issue(tx, bankId, trimmed));
    },

    /**
     * A new token for the same kiosk (bank and name) on a new credential row,
     * the old one revoked in the same transaction: the old token stops working
     * at once and its sockets close. A new row, so that the revocation names
     * the old credential alone and never the socket the new token opens. A
     * revoked credential (a lost screen) is not brought back this way.
     */
    async rotateCredential(viewer: Viewer | null, id: string) {
      authorize(viewer, 'Mutation.rotateKioskCredential');
      const rotated = await db.transaction(async (tx) => {
        const old = (await tx.select().from(kiosks).where(eq(kiosks.id, id)).limit(1))[0];
        if (!old) throw notFound('Kiosk credential');
        if (old.revokedAt) throw conflict('This kiosk credential was revoked; pair the screen again with a new one.');
        await tx.update(kiosks).set({ revokedAt: clock.now() }).where(eq(kiosks.id, id));
        const fresh = await issue(tx, old.bankId, old.name);
        // The same screen: its guess budget carries over, so rotating never resets it.
        await attempts.carryOver(tx, 'credential', `kiosk:${old.id}`, `kiosk:${fresh.id}`);
        return fresh;
      });
      // After the commit.
      closeSockets(id, 'Kiosk credential rotated');
      return rotated;
    },

    /** The kiosk credentials of one bank or all, newest first; never a token (only its hash is kept). */
    async listCredentials(viewer: Viewer | null, bankId: string | null) {
      authorize(viewer, 'Query.kioskCredentials');
      const q = db.read
        .select({
          id: kiosks.id,
          bankId: kiosks.bankId,
          name: kiosks.name,
          createdAt: kiosks.createdAt,
          expiresAt: kiosks.expiresAt,
          lastUsedAt: kiosks.lastUsedAt,
          revokedAt: kiosks.revokedAt,
        })
        .from(kiosks);
      return (bankId ? q.where(eq(kiosks.bankId, bankId)) : q).orderBy(desc(kiosks.createdAt));
    },

    /** The bank a kiosk credential acts for; null for every other caller (its screen learns it was revoked). */
    async session(viewer: Viewer | null) {
      checkAccess(viewer, 'Query.kioskSession');
      if (viewer?.role !== 'KIOSK' || !viewer.bankId) return null;
      const bank = await bankOf(viewer.bankId);
      return bank ? { kioskId: viewer.tokenId, bank } : null;
    },

    async revokeCredential(viewer: Viewer | null, id: string): Promise<boolean> {
      authorize(viewer, 'Mutation.revokeKioskCredential');
      const row = await db.transaction(
        async (tx) =>
          (
            await tx
              .update(kiosks)
              .set({ revokedAt: clock.now() })
              .where(and(eq(kiosks.id, id), isNull(kiosks.revokedAt)))
              .returning()
          )[0],
      );
      if (!row && !(await find(id))) throw notFound('Kiosk credential');
      closeSockets(id, 'Kiosk credential revoked');
      return true;
    },

    /** A kiosk token as a viewer scoped to its bank; null when unknown, revoked or expired. */
    async authenticate(token: string | null): Promise<Viewer | null> {
      if (!token?.startsWith(`${KIOSK_TOKEN_PREFIX}_`)) return null;
      const kiosk = (
        await db.read
          .select()
          .from(kiosks)
          .where(and(eq(kiosks.tokenHash, sha256(token)), isNull(kiosks.revokedAt)))
          .limit(1)
      )[0];
      if (!kiosk) return null;
      const now = clock.now();
      if (kiosk.expiresAt && kiosk.expiresAt <= now) return null;
      // Last-used is informative; written at most once a minute.
      if (!kiosk.lastUsedAt || now.getTime() - kiosk.lastUsedAt.getTime() > 60_000) {
        await db.transaction(async (tx) => {
          await tx.update(kiosks).set({ lastUsedAt: now }).where(eq(kiosks.id, kiosk.id));
        });
      }
      return { personId: '', role: 'KIOSK', department: null, tokenId: kiosk.id, bankId: kiosk.bankId };
    },
  };
}
export type KioskService = ReturnType<typeof createKioskService>;
