/**
 * The board, executed once per state (issue 8: queries near their baselines).
 *
 * Thousands of phones open the app and ask the same question: the sites,
 * banks and compartments they may see. The answer only changes when a bank
 * or a compartment does, and every such change is published on the Bus after
 * it commits (lockers/types.ts topics; DESIGN-NOTES: publish after commit).
 * So a board query over HTTP is executed once per state and audience, and
 * every identical request after it gets that result until the next change.
 *
 * What makes a request cacheable (boardDocument): a query whose every field
 * is in BOARD_FIELDS, fields whose value changes only with a bank or
 * compartment event (or never), and no directive but @include/@skip. Any
 * other field (a parcel, the event log, the controller's health) and the
 * request runs as before.
 *
 * The key: the document (Apollo's hash of its text), the operation, the
 * variables, and the audience as the subscription fan-out defines it
 * (fanout.ts audienceKey: role, department, kiosk bank). Every resolver of
 * BOARD_FIELDS reads no more of the viewer than that (the bank scope and the
 * matrix's grant), which fanout.test.ts holds for these types.
 *
 * When an entry stops being served:
 * - at the next event on `bank:*` or `compartment:*`, from this instance or
 *   any other (the Redis bus carries them), or a Bus resync (events may have
 *   been lost): the whole cache is dropped, whichever bank changed;
 * - after BOARD_CACHE_MAX_AGE_MS, whatever happened: `lastSeenAt` (written on
 *   keep-alives, published with no event) lags by at most that, and so would
 *   a change that somehow went unpublished.
 * A result computed while an event arrived is not kept (its state may be
 * either side of the change). A result with errors is never kept.
 *
 * What stays per request: authentication and revocation (the request gate
 * runs first), the operation policy and the cost charged to the budgets
 * (operationChecksPlugin, before this), and the duration metric.
 */
import { HeaderMap, type ApolloServerPlugin, type GraphQLResponse } from '@apollo/server';
import {
  getOperationAST,
  OperationTypeNode,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  BREAK,
  Kind,
  type DocumentNode,
  type FormattedExecutionResult,
  type GraphQLSchema,
} from 'graphql';
import { BUS_RESYNC_TOPIC, type Bus } from '../bus/index.js';
import { topics } from '../lockers/types.js';
import type { Metrics } from '../metrics/index.js';
import type { Logger } from '../shared/logger.js';
import type { GraphQLContext } from './context.js';
import { audienceKey } from './fanout.js';

/**
 * Fields whose value changes only with a bank or compartment event (or never):
 * checked by hand against the stores (every write to lockerBanks and
 * compartments is published by lockers, devices or parcels) and kept in step
 * with the schema by board-cache.test.ts. `LockerBank.lastSeenAt` is the one
 * exception, see the header.
 */
export const BOARD_FIELDS: Readonly<Record<string, ReadonlySet<string>>> = {
  Query: new Set(['sites', 'lockerBanks', 'lockerBank']),
  Site: new Set(['id', 'name', 'timezone', 'pickupHoldHours', 'banks']),
  LockerBank: new Set([
    'id',
    'site',
    'name',
    'location',
    'department',
    'status',
    'lastSeenAt',
    'version',
    'compartments',
    'counts',
  ]),
  Compartment: new Set([
    'id',
    'bankId',
    'bank',
    'label',
    'size',
    'hasCharging',
    'accessible',
    'door',
    'occupancy',
    'charging',
    'state',
    'version',
    'updatedAt',
  ]),
  CompartmentCounts: new Set(['total', 'available', 'inUse', 'open', 'unavailable']),
};

const PLAIN_DIRECTIVES: ReadonlySet<string> = new Set(['include', 'skip']);

/** Whether the document's operation is a query of BOARD_FIELDS only. */
export function boardDocument(schema: GraphQLSchema, document: DocumentNode, operationName: string | null): boolean {
  const operation = getOperationAST(document, operationName);
  if (operation?.operation !== OperationTypeNode.QUERY) return false;
  const typeInfo = new TypeInfo(schema);
  let board = true;
  const visitor = visitWithTypeInfo(typeInfo, {
    Field(node) {
      if (node.name.value === '__typename') return undefined;
      const parent = typeInfo.getParentType();
      if (!parent || !BOARD_FIELDS[parent.name]?.has(node.name.value)) {
        board = false;
        return BREAK;
      }
      return undefined;
    },
    Directive(node) {
      if (PLAIN_DIRECTIVES.has(node.name.value)) return undefined;
      board = false;
      return BREAK;
    },
  });
  // The operation and the fragments (all of them: one that is not used makes the document invalid anyway).
  for (const definition of document.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION && definition !== operation) continue;
    visit(definition, visitor);
    if (!board) return false;
  }
  return true;
}

interface Entry {
  epoch: number;
  at: number;
  result: FormattedExecutionResult;
}

export interface BoardCacheOptions {
  bus: Bus;
  metrics: Pick<Metrics, 'boardCache'>;
  logger: Logger;
  /** How long an entry is served at most, events or not; 0 turns the cache off. */
  maxAgeMs: number;
  /** Most entries at once (document × variables × audience); beyond it, results are not kept. */
  maxEntries?: number;
}

export function createBoardCache({ bus, metrics, logger, maxAgeMs, maxEntries = 1_000 }: BoardCacheOptions) {
  const entries = new Map<string, Entry>();
  /** Grows with every bank or compartment event: an entry of an earlier epoch is never served. */
  let epoch = 0;
  const boardByDocument = new WeakMap<DocumentNode, Map<string, boolean>>();
  /** The JSON of each kept result's `data`, written once: every hit sends the same bytes. */
  const jsonOf = new WeakMap<object, string>();
  const stopping = new AbortController();

  const changed = () => {
    epoch++;
    entries.clear();
  };
  if (maxAgeMs > 0) {
    for (const topic of [topics.bankAll, topics.compartmentAll, BUS_RESYNC_TOPIC]) {
      void (async () => {
        for await (const _ of bus.subscribe(topic, stopping.signal)) changed();
      })().catch((err: unknown) => {
        // A cache that cannot hear changes must not answer: off until restart.
        logger.error({ err, topic }, 'board cache stopped hearing changes; board queries run uncached');
        maxAgeMs = 0;
        changed();
      });
    }
  }

  function isBoard(schema: GraphQLSchema, document: DocumentNode, operationName: string | null): boolean {
    let byName = boardByDocument.get(document);
    if (!byName) boardByDocument.set(document, (byName = new Map<string, boolean>()));
    const name = operationName ?? '';
    let known = byName.get(name);
    if (known === undefined) byName.set(name, (known = boardDocument(schema, document, operationName)));
    return known;
  }

  const plugin: ApolloServerPlugin<GraphQLContext> = {
    requestDidStart() {
      let pending: { key: string; epoch: number; startedAt: number } | null = null;
      return Promise.resolve({
        responseForOperation(rc): Promise<GraphQLResponse | null> {
          if (maxAgeMs <= 0 || !isBoard(rc.schema, rc.document, rc.operationName)) return Promise.resolve(null);
          const key = [
            rc.queryHash,
            rc.operationName ?? '',
            JSON.stringify(rc.request.variables ?? {}),
            audienceKey(rc.contextValue.viewer, true),
          ].join('\n');
          const entry = entries.get(key);
          if (entry && entry.epoch === epoch && performance.now() - entry.at <= maxAgeMs) {
            metrics.boardCache('hit');
            return Promise.resolve({
              http: { status: undefined, headers: new HeaderMap() },
              body: { kind: 'single', singleResult: entry.result },
            });
          }
          pending = { key, epoch, startedAt: performance.now() };
          return Promise.resolve(null);
        },
        willSendResponse(rc) {
          if (!pending) return Promise.resolve();
          const body = rc.response.body;
          const status = rc.response.http.status;
          if (body.kind !== 'single' || body.singleResult.errors?.length || (status !== undefined && status !== 200)) {
            return Promise.resolve();
          }
          if (pending.epoch !== epoch) metrics.boardCache('stale');
          else if (entries.size >= maxEntries && !entries.has(pending.key)) metrics.boardCache('full');
          else {
            // Aged from when it started executing: what it read is at most that old.
            entries.set(pending.key, { epoch, at: pending.startedAt, result: body.singleResult });
            if (body.singleResult.data)
              jsonOf.set(body.singleResult.data, JSON.stringify({ data: body.singleResult.data }));
            metrics.boardCache('miss');
          }
          return Promise.resolve();
        },
      });
    },
  };

  return {
    plugin,
    /**
     * Apollo's `stringifyResult`: a kept result's JSON is built once, the rest as JSON.stringify
     * would. Apollo hands over a new envelope each time, holding the kept `data` itself.
     */
    stringify(result: FormattedExecutionResult): string {
      if (result.errors || result.extensions || !result.data) return JSON.stringify(result);
      return jsonOf.get(result.data) ?? JSON.stringify(result);
    },
    /** Entries held now (tests, metrics). */
    size: () => entries.size,
    close() {
      stopping.abort();
      entries.clear();
    },
  };
}
