/**
 * One attempt mechanism for every guessable secret: pickup codes, pickup QR
 * tokens, sign-in codes (and later loan and return codes).
 *
 *   const attempt = await attempts.begin({ secret, scopes, credential, client, bankId });
 *   if (!attempt.ok) → refuse, retry after attempt.retryAfterMs
 *   …evaluate the secret…
 *   await attempt.succeed(parcelId) | await attempt.fail()
 *
 * `begin` checks every scope's budget and charges the attempt to all of them
 * in one transaction (SQLite: one writer at a time, BEGIN IMMEDIATE;
 * PostgreSQL: SERIALIZABLE, run again on a conflict), before the secret is
 * evaluated: concurrent attempts — over HTTP, several sockets or several
 * processes on the same database — can never get past a budget before the
 * first failure is recorded. A success refunds its own charge and nothing
 * else; counters fall with time only. A failure that fills a bucket starts an
 * escalating lockout and raises a LOCKOUT staff alert. Every attempt is
 * written to the attempt log with the credential that made it.
 *
 * The counters live in the database (the Db port), so several instances on
 * one database share them; a Redis-backed implementation of this interface
 * can replace it.
 */
import { createSerialQueues } from '../shared/serial.js';
import { authorize } from '../access/authorize.js';
import type { Db, Queryable } from '../db/index.js';
import type { Viewer } from '../people/types.js';
import type { Clock } from '../shared/clock.js';
import { newId } from '../shared/ids.js';
import { blockedUntil, charged, drained, failed, refunded, type BucketState } from './bucket.js';
import { ATTEMPT_SECRETS, BUDGETS, budgetKey, type AttemptScope, type AttemptSecret, type Budget } from './budgets.js';
import { createAttemptStore, type AttemptLogRow } from './store.js';

export interface AttemptRequest {
  secret: AttemptSecret;
  /** The scopes this attempt is counted in, with their ids (a kiosk id, a bank id, an IP address …). */
  scopes: Partial<Record<AttemptScope, string>>;
  /** Who made it, for the log: `kiosk:<id>`, `device:<bankId>`, `person:<id>`, `anonymous`. */
  credential: string;
  client: string | null;
  bankId?: string | null;
}

export interface Lockout {
  secret: AttemptSecret;
  scope: AttemptScope;
  id: string;
  until: Date;
  /** Failures counted in that scope's bucket when it filled. */
  bankId: string | null;
  credential: string;
}

export type BeganAttempt =
  | { ok: false; retryAfterMs: number; scope: AttemptScope }
  | {
      ok: true;
      /** Right secret: only this attempt's own charge is refunded. */
      succeed(parcelId?: string | null): Promise<void>;
      /** Wrong secret: stays counted. Returns when the caller may try again if this failure locked a scope. */
      fail(): Promise<{ retryAfterMs: number | null; bankTotal: number | null }>;
    };

export interface AttemptServiceDeps {
  db: Db;
  clock: Clock;
  /** Called after a failure starting a lockout has committed (a LOCKOUT staff alert); awaited. */
  onLockout?: (lockout: Lockout) => Promise<unknown> | void;
}

export function createAttemptService({ db, clock, onLockout }: AttemptServiceDeps) {
  const store = createAttemptStore(db);
  /** Each bank's attempt transactions, one after another (see begin). */
  const turns = createSerialQueues();

  function scopesOf(req: AttemptRequest) {
    const out: { scope: AttemptScope; id: string; key: string; budget: Budget }[] = [];
    for (const [scope, id] of Object.entries(req.scopes) as [AttemptScope, string | undefined][]) {
      const budget = BUDGETS[req.secret][scope];
      if (!budget || !id) continue;
      out.push({ scope, id, key: budgetKey(req.secret, scope, id), budget });
    }
    return out;
  }

  /** The attempt log's row, written in the transaction that counted the attempt. */
  const log = (
    tx: Queryable,
    req: AttemptRequest,
    outcome: AttemptLogRow['outcome'],
    at: Date,
    parcelId: string | null = null,
  ) =>
    store.log(tx, {
      id: newId('att'),
      at,
      secret: req.secret,
      outcome,
      credential: req.credential,
      client: req.client,
      bankId: req.bankId ?? null,
      parcelId,
    });

  return {
    store,

    /**
     * Checks every scope and charges the attempt to all of them in one
     * transaction (on PostgreSQL SERIALIZABLE, run again after a conflict; on
     * SQLite one writer at a time): no two concurrent attempts both pass a
     * budget with room for one. Nothing outside the database happens inside it.
     */
    async begin(req: AttemptRequest): Promise<BeganAttempt> {
      const scopes = scopesOf(req);
      const now = clock.now();
      // One at a time per bank on this instance (shared/serial.ts); across instances the
      // transaction itself decides (a conflict runs it again).
      const queue = req.bankId ?? req.credential ?? '';
      const inTurn = <T>(fn: () => Promise<T>) => turns.run(queue, fn);
      const refusal = await inTurn(() =>
        db.transaction(async (tx) => {
          const keys = scopes.map((s) => s.key);
          const states = (await store.counters(tx, keys, now)).map((c, i) => drained(c, scopes[i]!.budget, now));
          let worst: { until: Date; scope: AttemptScope } | null = null;
          for (const [i, state] of states.entries()) {
            const until = blockedUntil(state, scopes[i]!.budget, now);
            if (until && (!worst || until > worst.until)) worst = { until, scope: scopes[i]!.scope };
          }
          if (worst) {
            await log(tx, req, 'LOCKED', now);
            return worst;
          }
          await store.saveAll(
            tx,
            states.map((state, i) => ({ key: keys[i]!, state: charged(state) })),
          );
          return null;
        }),
      );
      if (refusal) {
        return {
          ok: false,
          retryAfterMs: Math.max(1000, refusal.until.getTime() - now.getTime()),
          scope: refusal.scope,
        };
      }
      let settled = false;
      return {
        ok: true,
        async succeed(parcelId = null) {
          if (settled) return;
          settled = true;
          const at = clock.now();
          await inTurn(() =>
            db.transaction(async (tx) => {
              const counters = await store.counters(
                tx,
                scopes.map((s) => s.key),
                at,
              );
              await store.saveAll(
                tx,
                scopes.map((s, i) => ({ key: s.key, state: refunded(drained(counters[i]!, s.budget, at)) })),
              );
              await log(tx, req, 'SUCCESS', at, parcelId);
            }),
          );
        },
        async fail() {
          if (settled) return { retryAfterMs: null, bankTotal: null };
          settled = true;
          const at = clock.now();
          const { lockouts, bankTotal } = await inTurn(() =>
            db.transaction(async (tx) => {
              // Made afresh on each run (PostgreSQL may run this again after a serialization failure).
              const locked: Lockout[] = [];
              let total: number | null = null;
              const counters = await store.counters(
                tx,
                scopes.map((s) => s.key),
                at,
              );
              const saved: { key: string; state: BucketState }[] = [];
              for (const [i, s] of scopes.entries()) {
                const next = failed(drained(counters[i]!, s.budget, at), s.budget, at);
                const { lockedNow, ...state } = next;
                saved.push({ key: s.key, state: state satisfies BucketState });
                if (s.scope === 'bank') total = state.total;
                if (lockedNow && state.lockedUntil)
                  locked.push({
                    secret: req.secret,
                    scope: s.scope,
                    id: s.id,
                    until: state.lockedUntil,
                    bankId: req.bankId ?? null,
                    credential: req.credential,
                  });
              }
              await store.saveAll(tx, saved);
              await log(tx, req, 'FAILURE', at);
              return { lockouts: locked, bankTotal: total };
            }),
          );
          // After the commit: the alert is a transaction (and a publish) of its own.
          for (const l of lockouts) await onLockout?.(l);
          const until = lockouts.reduce<Date | null>((m, l) => (!m || l.until > m ? l.until : m), null);
          return { retryAfterMs: until ? until.getTime() - at.getTime() : null, bankTotal };
        },
      };
    },

    /**
     * A credential replaced by a new one (a rotated kiosk) keeps its counters:
     * rotating never resets a guess budget. Inside the caller's transaction.
     */
    async carryOver(tx: Queryable, scope: AttemptScope, fromId: string, toId: string): Promise<void> {
      const now = clock.now();
      for (const secret of ATTEMPT_SECRETS) {
        const state = await store.counter(tx, budgetKey(secret, scope, fromId), now);
        if (state.total > 0 || state.level > 0 || state.lockedUntil)
          await store.save(tx, budgetKey(secret, scope, toId), state);
      }
    },

    /** Failures ever counted in one scope (a bank's, for a code's exposure). */
    async total(secret: AttemptSecret, scope: AttemptScope, id: string): Promise<number> {
      return (await store.counter(db.read, budgetKey(secret, scope, id), clock.now())).total;
    },

    recent: (filter: { bankId?: string | null }, limit: number) => store.recent(filter, limit),

    /** The attempt log for operators (`Query.credentialAttempts`), newest first. */
    async list(viewer: Viewer | null, filter: { bankId?: string | null }, limit: number) {
      authorize(viewer, 'Query.credentialAttempts');
      return store.recent(filter, Math.min(Math.max(limit, 1), 500));
    },

    /** Keeps the attempt log for 90 days and forgets idle network clients after a week. */
    async prune(): Promise<void> {
      const now = clock.now().getTime();
      await store.pruneLog(new Date(now - 90 * 24 * 3_600_000));
      await store.pruneClientCounters(new Date(now - 7 * 24 * 3_600_000));
    },
  };
}
export type AttemptService = ReturnType<typeof createAttemptService>;

const SECRET_WORDS: Record<AttemptSecret, string> = {
  PICKUP_CODE: 'pickup codes',
  PICKUP_QR: 'pickup QR scans',
  SIGN_IN_CODE: 'sign-in codes',
  SIGN_IN_REQUEST: 'sign-in code requests',
};
const SCOPE_WORDS: Record<AttemptScope, string> = {
  credential: 'this credential',
  bank: 'every kiosk and keypad of this bank',
  client: 'one network address',
  global: 'the whole service',
};

/** The staff alert's text for a lockout: what was locked, for how long, and who tried. */
export function describeLockout(l: Lockout, bankName: string | undefined, now: Date): string {
  const minutes = Math.max(1, Math.round((l.until.getTime() - now.getTime()) / 60_000));
  const span = minutes >= 120 ? `${Math.round(minutes / 60)} hours` : minutes === 1 ? '1 minute' : `${minutes} minutes`;
  const where = bankName ? `${bankName}: ` : '';
  const who = l.scope === 'client' ? `address ${l.id}` : SCOPE_WORDS[l.scope];
  return `${where}${SECRET_WORDS[l.secret]} locked for ${span} for ${who} after too many wrong tries (last by ${l.credential}).`;
}
