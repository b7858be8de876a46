/**
 * Offline replay, applied once: a client that queues mutations while offline
 * (the IT console on the desk tablet) sends each with an idempotency key, in
 * the `Idempotency-Key` header or the request's `extensions.idempotencyKey`.
 *
 * The key is claimed (a row in `idempotency_keys`, per person) before the
 * mutation runs and the answer is stored with it afterwards. The same key
 * again gets the stored answer, marked `extensions.replayed`, and nothing is
 * applied a second time. A key still being applied (or whose answer was lost
 * in a crash between applying and storing) is answered CONFLICT, never run
 * again: at most once, and the client is told. A key reused for another
 * mutation or other variables is refused with BAD_USER_INPUT. What a replay
 * finds changed meanwhile (an asset at another version) is the mutation's own
 * typed refusal, which the client shows.
 */
import { createHash } from 'node:crypto';
import { HeaderMap, type ApolloServerPlugin, type GraphQLResponse } from '@apollo/server';
import { and, eq, lt } from 'drizzle-orm';
import { OperationTypeNode } from 'graphql';
import type { Db } from '../db/index.js';
import type { Clock } from '../shared/clock.js';
import { ErrorCode } from '../shared/errors.js';
import type { GraphQLContext } from './context.js';

const PENDING = '';
const KEY = /^[A-Za-z0-9_.:-]{8,100}$/;
/** Keys are kept this long: a tablet offline longer replays into a fresh key space. */
export const IDEMPOTENCY_KEEP_MS = 7 * 24 * 3_600_000;

const errorResponse = (code: string, message: string): GraphQLResponse => ({
  http: { status: undefined, headers: new HeaderMap() },
  body: { kind: 'single', singleResult: { errors: [{ message, extensions: { code } }] } },
});

export function createIdempotency(db: Db, clock: Clock) {
  const { idempotencyKeys } = db.tables;

  const plugin: ApolloServerPlugin<GraphQLContext> = {
    requestDidStart() {
      let claimed: string | null = null;
      return Promise.resolve({
        async responseForOperation(rc): Promise<GraphQLResponse | null> {
          const raw =
            rc.request.http?.headers.get('idempotency-key') ??
            (rc.request.extensions?.idempotencyKey as string | undefined);
          if (raw === undefined || rc.operation?.operation !== OperationTypeNode.MUTATION) return null;
          if (typeof raw !== 'string' || !KEY.test(raw))
            return errorResponse(ErrorCode.BadUserInput, 'An idempotency key is 8 to 100 letters, digits or _.:-');
          const viewer = rc.contextValue.viewer;
          const who = viewer ? viewer.personId : 'anonymous';
          const key = `${who}:${raw}`;
          const fingerprint = createHash('sha256')
            .update(`${rc.queryHash}\n${rc.operationName ?? ''}\n${JSON.stringify(rc.request.variables ?? {})}`)
            .digest('base64url');
          const now = clock.now();
          const inserted = await db.transaction((tx) =>
            tx
              .insert(idempotencyKeys)
              .values({ key, personId: who, operation: fingerprint, result: PENDING, createdAt: now })
              .onConflictDoNothing()
              .returning({ key: idempotencyKeys.key }),
          );
          if (inserted.length) {
            claimed = key;
            return null;
          }
          const [row] = await db.read.select().from(idempotencyKeys).where(eq(idempotencyKeys.key, key)).limit(1);
          if (!row) return errorResponse(ErrorCode.Conflict, 'This change is being applied: look again in a moment.');
          if (row.operation !== fingerprint)
            return errorResponse(ErrorCode.BadUserInput, 'This idempotency key was used for another change.');
          if (row.result === PENDING)
            return errorResponse(
              ErrorCode.Conflict,
              'This change was sent before and its outcome is not known yet: look at the item before trying again.',
            );
          const stored = JSON.parse(row.result) as Record<string, unknown>;
          return {
            http: { status: undefined, headers: new HeaderMap() },
            body: {
              kind: 'single',
              singleResult: { ...stored, extensions: { ...(stored.extensions as object), replayed: true } },
            },
          };
        },
        async willSendResponse(rc) {
          if (!claimed) return;
          const body = rc.response.body;
          if (body.kind !== 'single') return;
          const { data, errors } = body.singleResult;
          await db.transaction((tx) =>
            tx
              .update(idempotencyKeys)
              .set({ result: JSON.stringify({ data: data ?? null, ...(errors ? { errors } : {}) }) })
              .where(eq(idempotencyKeys.key, claimed!)),
          );
        },
      });
    },
  };

  return {
    plugin,
    /** Forgets keys older than IDEMPOTENCY_KEEP_MS. */
    async prune(): Promise<void> {
      const before = new Date(clock.now().getTime() - IDEMPOTENCY_KEEP_MS);
      await db.transaction((tx) => tx.delete(idempotencyKeys).where(and(lt(idempotencyKeys.createdAt, before))));
    },
  };
}
