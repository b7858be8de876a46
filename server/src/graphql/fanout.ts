/**
 * Shared subscription delivery (DESIGN-NOTES: fan-out cost). Subscribers whose
 * operation is the same document with the same variables and whose viewer has
 * the same authorisation scope get the same bytes: each event is executed once
 * for all of them, serialised once, and written to every socket with that
 * socket's own operation id spliced into graphql-ws's `next` frame.
 *
 * What stays per subscriber:
 * - Authorisation when it subscribes: each subscriber's own subscribe resolver
 *   runs (createSourceEventStream with its own context), so a refusal, a bank
 *   it may not see or an operation it may not call is answered to it as
 *   before. Only then is its own event stream closed and the subscriber joins
 *   the group of its key.
 * - The key holds the scope: role, department and kiosk bank, and the person
 *   and token too unless every type the document selects is one whose
 *   resolvers read no more of the viewer than that (SCOPE_ONLY_TYPES). So the
 *   event filter of the group's stream (e.g. subscribeCompartments' bank
 *   scope) and every field resolver decide for each member exactly what they
 *   decided for it alone.
 * - A changed grant or a revocation closes the socket (graphql/sockets.ts);
 *   graphql-ws then returns the member's iterator and it leaves its group.
 * - Output limits: frames go through the socket's own `send`, which the
 *   slow-consumer guard wraps (limits/sockets.ts); the operation cap counts the
 *   member's operation as before.
 *
 * A member joining a group mid-stream can get an event published a moment
 * before it subscribed that the group had not delivered yet; never one older
 * than that, and never fewer than it would have got alone (it joins as soon
 * as its own stream was live, and the group's stream was live before).
 *
 * Streams that are not pure functions of the event are never shared: those
 * with a per-subscriber prefix (lockerCommands sends each controller its
 * pending commands first) go the usual graphql-ws way (SHARED_FIELDS).
 */
import {
  createSourceEventStream,
  execute,
  getOperationAST,
  isObjectType,
  Kind,
  OperationTypeNode,
  subscribe,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLSchema,
} from 'graphql';
import type { Viewer } from '../people/types.js';
import type { Logger } from '../shared/logger.js';

/** Subscription fields whose stream is the same for every subscriber of one key (no per-subscriber prefix). */
export const SHARED_FIELDS: ReadonlySet<string> = new Set([
  'compartmentUpdated',
  'lockerBankUpdated',
  'parcelUpdated',
  'staffAlertUpdated',
  'myParcelUpdated',
]);

/**
 * Types whose field resolvers read of the viewer no more than its role,
 * department and kiosk bank (the bank scope and the matrix's grant): checked
 * by hand, field by field, and kept in step by a test that lists their fields.
 * A document reaching any other type (Parcel: the pickup code is its
 * collector's; Person: contacts by relation) is shared only by one viewer's
 * own sockets.
 */
export const SCOPE_ONLY_TYPES: ReadonlySet<string> = new Set([
  'Compartment',
  'CompartmentCounts',
  'LockerBank',
  'Site',
  'ControllerInfo',
  'LockerEvent',
  'StaffAlert',
]);

/** Where a subscriber's frames go: its socket and its operation id. */
export interface FanoutTarget {
  socket: { readonly readyState: number; readonly OPEN: number; send(data: string): void };
  id: string;
  /** The operation's text as the client sent it: part of the sharing key. */
  query: string;
}

/** The part of the viewer that decides what a subscriber may see of a document. */
export function audienceKey(viewer: Viewer | null, scopeOnly: boolean): string {
  if (!viewer) return 'anonymous';
  const scope = `${viewer.role}|${viewer.department ?? ''}|${viewer.bankId ?? ''}`;
  return scopeOnly ? scope : `${scope}|${viewer.personId}|${viewer.tokenId}`;
}

/** Whether every object type the document selects from (below the root) is in SCOPE_ONLY_TYPES. */
export function selectsScopeOnlyTypes(schema: GraphQLSchema, document: DocumentNode): boolean {
  const typeInfo = new TypeInfo(schema);
  const root = schema.getSubscriptionType();
  let scopeOnly = true;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field() {
        const parent = typeInfo.getParentType();
        if (!parent || parent === root || parent.name.startsWith('__')) return;
        if (!isObjectType(parent) || !SCOPE_ONLY_TYPES.has(parent.name)) scopeOnly = false;
      },
    }),
  );
  return scopeOnly;
}

interface Member {
  target: FanoutTarget;
  /** `{"id":…,"type":"next","payload":` for this member. */
  prefix: string;
  end(err?: unknown): void;
}

interface Group {
  key: string;
  members: Set<Member>;
  source: AsyncIterator<unknown>;
  stopped: boolean;
}

export function createFanout(opts: {
  schema: GraphQLSchema;
  logger: Logger;
  /** The viewer and socket of an operation's context (null: not a person's graphql-ws operation). */
  targetOf: (contextValue: unknown) => { target: FanoutTarget; viewer: Viewer | null } | null;
  /** Shapes a result the way graphql-ws's onNext does for one subscriber (error masking). */
  formatResult: (result: ExecutionResult) => unknown;
  /** Told how many frames one event was written as (metrics: these bypass graphql-ws's onNext). */
  onDelivered?: (count: number) => void;
}) {
  const { schema, logger } = opts;
  const groups = new Map<string, Group>();
  const scopeOnlyByDocument = new WeakMap<DocumentNode, boolean>();
  let delivered = 0;

  function scopeOnly(document: DocumentNode) {
    let known = scopeOnlyByDocument.get(document);
    if (known === undefined) scopeOnlyByDocument.set(document, (known = selectsScopeOnlyTypes(schema, document)));
    return known;
  }

  function stop(group: Group) {
    if (group.stopped) return;
    group.stopped = true;
    if (groups.get(group.key) === group) groups.delete(group.key);
    void Promise.resolve(group.source.return?.()).catch((err: unknown) =>
      logger.error({ err }, 'closing a shared subscription stream failed'),
    );
  }

  /** Executes and serialises each event once, then writes it to every member. */
  async function pump(group: Group, args: ExecutionArgs) {
    let failure: unknown;
    try {
      for (;;) {
        const next = await group.source.next();
        if (next.done || group.stopped) break;
        const result = opts.formatResult(await execute({ ...args, rootValue: next.value }));
        const payload = JSON.stringify(result);
        let sent = 0;
        for (const m of group.members) {
          const socket = m.target.socket;
          // graphql-ws sends nothing to a closing socket either.
          if (socket.readyState !== socket.OPEN) continue;
          socket.send(m.prefix + payload + '}');
          sent++;
        }
        delivered += sent;
        if (sent) opts.onDelivered?.(sent);
      }
    } catch (err) {
      failure = err;
    }
    stop(group);
    for (const m of [...group.members]) m.end(failure);
    group.members.clear();
  }

  function join(group: Group, target: FanoutTarget): AsyncIterableIterator<never> {
    // Never yields: the group writes the frames; graphql-ws waits on next() until the member ends,
    // then completes (or reports the error) as it would have for its own stream.
    let settle: ((r: IteratorResult<never>) => void) | null = null;
    let fail: ((err: unknown) => void) | null = null;
    let ended: { err?: unknown } | null = null;
    const member: Member = {
      target,
      prefix: `{"id":${JSON.stringify(target.id)},"type":"next","payload":`,
      end(err) {
        if (ended) return;
        ended = { err };
        group.members.delete(member);
        if (err !== undefined) fail?.(err);
        else settle?.({ value: undefined, done: true });
        settle = fail = null;
      },
    };
    group.members.add(member);
    const leave = () => {
      member.end();
      if (group.members.size === 0) stop(group);
      return Promise.resolve({ value: undefined, done: true } as IteratorResult<never>);
    };
    const iterator: AsyncIterableIterator<never> = {
      next() {
        if (ended) return ended.err === undefined ? leave() : Promise.reject(asError(ended.err));
        return new Promise<IteratorResult<never>>((resolve, reject) => {
          settle = resolve;
          fail = (err) => reject(asError(err));
        });
      },
      return: leave,
      throw: (err?: unknown) => leave().then(() => Promise.reject(asError(err))),
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  return {
    /**
     * graphql-ws's `subscribe`: shared delivery where the operation allows it,
     * graphql's own `subscribe` otherwise.
     */
    async subscribe(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
      const found = opts.targetOf(args.contextValue);
      const operation = getOperationAST(args.document, args.operationName);
      const first = operation?.selectionSet.selections[0];
      const field =
        operation?.operation === OperationTypeNode.SUBSCRIPTION &&
        operation.selectionSet.selections.length === 1 &&
        first?.kind === Kind.FIELD
          ? first.name.value
          : null;
      if (!found || !field || !SHARED_FIELDS.has(field)) return subscribe(args);

      // The subscriber's own subscribe resolver decides whether it may subscribe at all.
      const events = await createSourceEventStream(args);
      if (!(Symbol.asyncIterator in events)) return events;
      const stream = events[Symbol.asyncIterator]();

      const key = [
        found.target.query,
        args.operationName ?? '',
        JSON.stringify(args.variableValues ?? {}),
        audienceKey(found.viewer, scopeOnly(args.document)),
      ].join('\n');
      const existing = groups.get(key);
      if (existing && !existing.stopped) {
        void Promise.resolve(stream.return?.()).catch(() => {});
        return join(existing, found.target);
      }
      const group: Group = { key, members: new Set(), source: stream, stopped: false };
      groups.set(key, group);
      const member = join(group, found.target);
      void pump(group, args);
      return member;
    },

    /** For tests and metrics. */
    stats() {
      let members = 0;
      for (const g of groups.values()) members += g.members.size;
      return { groups: groups.size, members, delivered };
    },
  };
}
export type Fanout = ReturnType<typeof createFanout>;

const asError = (err: unknown) => (err instanceof Error ? err : new Error(String(err)));
