/**
 * Prometheus metrics of one server instance (`GET /metrics`, ops/routes.ts).
 * Every series carries `instance_id` (INSTANCE_ID, default host-pid), so the
 * figures of N instances behind one load balancer stay apart.
 *
 * Other modules touch this in one line each:
 * - counters they call: `eventsReported` (devices resolvers), `commandAcknowledged`
 *   (devices service hook, wired in services.ts), `graphqlDuration` (the Apollo
 *   plugin, apollo-plugin.ts), `wsOperation` / `wsOperationComplete` / `wsNext`
 *   (graphql-ws hooks in ws.ts), `subscriptionMessagesDelivered` (for a
 *   delivery path that writes bytes itself instead of through graphql-ws' onNext);
 * - gauges read only when scraped, from functions given to `observe`: sockets
 *   by kind (the socket registry), open sockets (the ws server), outbox depth
 *   (the notify store). Nothing is counted twice and nothing drifts: a gauge is
 *   the registry's own count at scrape time.
 *
 * The hottest counter (messages delivered, once per subscriber per event) is
 * a plain number copied into prom-client on scrape, so fan-out pays one
 * increment per message and no label lookup.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { getOperationAST, type DocumentNode } from 'graphql';
import type { WebSocket } from 'ws';
import type { JournalAnswer } from '../devices/journal.js';
import type { CommandRow } from '../devices/types.js';
import { executionElapsedMs } from '../limits/execution-budget.js';

export type SocketKind = 'controller' | 'kiosk' | 'person';
export type OperationType = 'query' | 'mutation' | 'subscription' | 'unknown';
type MaybePromise<T> = T | Promise<T>;

/** Where the gauges are read from at scrape time; each is optional (a CLI has none). */
export interface MetricsSources {
  /** Authenticated WebSockets of this instance by kind (graphql/sockets.ts). */
  socketsByKind?: () => Record<SocketKind, number>;
  /** Every open WebSocket, authenticated or not yet (the ws server's clients). */
  openSockets?: () => number;
  /** Notices in the outbox not yet sent: waiting (pending) and being sent (sending). */
  outboxDepth?: () => MaybePromise<{ pending: number; sending: number }>;
}

/** A graphql-ws connection context, as far as the metrics need it. */
interface WsContext {
  readonly extra: { readonly socket: WebSocket };
}

const COMMAND_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const GRAPHQL_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/**
 * Node's process metrics (CPU, memory, event loop lag, GC, handles), once per
 * process: prom-client's collectors start an event-loop monitor and a GC
 * observer that cannot be stopped, so one set per server would pile up in a
 * test process that starts hundreds of servers. In production one process is
 * one instance; its label is the first instance's id.
 */
let processRegistry: Registry | null = null;
function processMetrics(instanceId: string): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    processRegistry.setDefaultLabels({ instance_id: instanceId });
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export function createMetrics({ instanceId }: { instanceId: string }) {
  const registry = new Registry();
  registry.setDefaultLabels({ instance_id: instanceId });
  const nodeRegistry = processMetrics(instanceId);
  const sources: MetricsSources = {};
  const registers = [registry];

  let messagesDelivered = 0;
  let subscriptionsActive = 0;
  /** Subscription operation ids per connection, to tell subscription messages from query results. */
  const subscriptionsOf = new WeakMap<WsContext, Set<string>>();
  /** The operation type of a parsed document (one parse per operation, so cached by it). */
  const typeOf = new WeakMap<DocumentNode, OperationType>();

  const scrapeErrors = new Counter({
    name: 'baylight_metrics_source_errors_total',
    help: 'Gauges that could not be read at scrape time (their series is then absent), by source.',
    labelNames: ['source'],
    registers,
  });

  new Gauge({
    name: 'baylight_websocket_connections',
    help: 'Open WebSocket connections by kind: controller, kiosk, person, and unauthenticated (no connection_init accepted yet).',
    labelNames: ['kind'],
    registers,
    collect() {
      this.reset();
      const byKind = sources.socketsByKind?.();
      let authenticated = 0;
      if (byKind) {
        for (const [kind, n] of Object.entries(byKind)) {
          this.set({ kind }, n);
          authenticated += n;
        }
      }
      if (sources.openSockets)
        this.set({ kind: 'unauthenticated' }, Math.max(0, sources.openSockets() - authenticated));
    },
  });

  new Gauge({
    name: 'baylight_subscriptions_active',
    help: 'GraphQL subscriptions running on this instance (over all WebSockets).',
    registers,
    collect() {
      this.set(subscriptionsActive);
    },
  });

  const controllerEvents = new Counter({
    name: 'baylight_controller_events_total',
    help: 'Controller events reported (reportLockerEvents), by outcome: accepted (stored and applied), duplicate (seen before), rejected (stored without effect, or in conflict with the stored event), resend (after a gap: asked to be sent again).',
    labelNames: ['outcome'],
    registers,
  });
  for (const outcome of ['accepted', 'duplicate', 'rejected', 'resend']) controllerEvents.inc({ outcome }, 0);

  new Counter({
    name: 'baylight_subscription_messages_total',
    help: 'Subscription messages (graphql-ws "next") delivered to subscribers of this instance.',
    registers,
    collect() {
      this.reset();
      this.inc(messagesDelivered);
    },
  });

  const commandLatency = new Histogram({
    name: 'baylight_command_ack_seconds',
    help: 'Controller commands from issued to acknowledged (first answer), by kind and outcome.',
    labelNames: ['kind', 'outcome'],
    buckets: COMMAND_BUCKETS,
    registers,
  });

  const outbox = new Gauge({
    name: 'baylight_outbox_notifications',
    help: 'Notices in the outbox not yet sent, by status: pending (waiting for their time or a retry), sending (claimed by a sender).',
    labelNames: ['status'],
    registers,
    async collect() {
      if (!sources.outboxDepth) return;
      try {
        const depth = await sources.outboxDepth();
        outbox.set({ status: 'pending' }, depth.pending);
        outbox.set({ status: 'sending' }, depth.sending);
      } catch {
        outbox.reset();
        scrapeErrors.inc({ source: 'outbox' });
      }
    },
  });

  const graphqlDurations = new Histogram({
    name: 'baylight_graphql_duration_seconds',
    help: 'GraphQL operations from request to response, by operation type and transport (http; ws for queries and mutations over WebSocket, execution only).',
    labelNames: ['operation', 'transport'],
    buckets: GRAPHQL_BUCKETS,
    registers,
  });

  function operationType(document: DocumentNode, operationName?: string | null): OperationType {
    let type = typeOf.get(document);
    if (!type) {
      type = getOperationAST(document, operationName)?.operation ?? 'unknown';
      typeOf.set(document, type);
    }
    return type;
  }

  const boardCache = new Counter({
    name: 'baylight_board_cache_total',
    help: 'Board queries over HTTP (graphql/board-cache.ts), by outcome: hit (answered from the state it last executed for), miss (executed and kept), stale (executed, not kept: the state changed meanwhile), full (executed, not kept: the cache holds its most).',
    labelNames: ['outcome'],
    registers,
  });
  for (const outcome of ['hit', 'miss', 'stale', 'full']) boardCache.inc({ outcome }, 0);

  return {
    instanceId,
    registry,

    /** Sets (or adds) where the scrape-time gauges read from. */
    observe(more: MetricsSources) {
      Object.assign(sources, more);
    },

    /** After a reportLockerEvents answer (devices resolvers); returns the answer unchanged. */
    eventsReported(reported: number, answer: JournalAnswer): JournalAnswer {
      const rejected = answer.rejected.length + answer.conflicts.length;
      const accepted = answer.stored - answer.rejected.length;
      const resend = reported - answer.stored - answer.duplicates - answer.conflicts.length;
      if (accepted > 0) controllerEvents.inc({ outcome: 'accepted' }, accepted);
      if (answer.duplicates > 0) controllerEvents.inc({ outcome: 'duplicate' }, answer.duplicates);
      if (rejected > 0) controllerEvents.inc({ outcome: 'rejected' }, rejected);
      if (resend > 0) controllerEvents.inc({ outcome: 'resend' }, resend);
      return answer;
    },

    /** A command's first answer (later answers to the same command are not counted). */
    commandAcknowledged(command: Pick<CommandRow, 'kind' | 'outcome' | 'issuedAt' | 'acknowledgedAt'>) {
      if (!command.acknowledgedAt) return;
      const seconds = Math.max(0, command.acknowledgedAt.getTime() - command.issuedAt.getTime()) / 1000;
      commandLatency.observe({ kind: command.kind, outcome: command.outcome ?? 'NONE' }, seconds);
    },

    /** One GraphQL operation answered (seconds from request to response). */
    boardCache(outcome: 'hit' | 'miss' | 'stale' | 'full') {
      boardCache.inc({ outcome });
    },
    graphqlDuration(operation: OperationType, transport: 'http' | 'ws', seconds: number) {
      graphqlDurations.observe({ operation, transport }, seconds);
    },

    operationType,

    /**
     * graphql-ws `onOperation`: a subscription starts (its result is an
     * async iterable), or a query or mutation has been executed (timed from
     * its execution clock). Returns nothing, so graphql-ws keeps its result.
     */
    wsOperation(
      ctx: WsContext,
      id: string,
      args: { document: DocumentNode; operationName?: string | null; contextValue?: unknown },
      result: unknown,
    ): undefined {
      if (typeof result === 'object' && result !== null && Symbol.asyncIterator in result) {
        // Closed meanwhile: graphql-ws completes it at once, and a close listener added now would never run.
        if (ctx.extra.socket.readyState !== ctx.extra.socket.OPEN) return undefined;
        let ids = subscriptionsOf.get(ctx);
        if (!ids) {
          const created = new Set<string>();
          subscriptionsOf.set(ctx, (ids = created));
          // A socket that closes ends its subscriptions, whether or not graphql-ws gets to complete them.
          ctx.extra.socket.once('close', () => {
            subscriptionsActive -= created.size;
            created.clear();
          });
        }
        if (!ids.has(id)) {
          ids.add(id);
          subscriptionsActive++;
        }
        return undefined;
      }
      const elapsed =
        typeof args.contextValue === 'object' && args.contextValue ? executionElapsedMs(args.contextValue) : undefined;
      if (elapsed !== undefined) {
        graphqlDurations.observe(
          { operation: operationType(args.document, args.operationName), transport: 'ws' },
          elapsed / 1000,
        );
      }
      return undefined;
    },

    /** graphql-ws `onComplete`: the operation ended (completed by either side, or failed). */
    wsOperationComplete(ctx: WsContext, id: string) {
      if (subscriptionsOf.get(ctx)?.delete(id)) subscriptionsActive--;
    },

    /** graphql-ws `onNext`: one message about to go to one subscriber (query results are not counted). */
    wsNext(ctx: WsContext, id: string) {
      if (subscriptionsOf.get(ctx)?.has(id)) messagesDelivered++;
    },

    /** For a delivery path that writes shared bytes to sockets itself: `count` messages delivered. */
    subscriptionMessagesDelivered(count = 1) {
      messagesDelivered += count;
    },

    /** The text Prometheus scrapes: this instance's series, then the process's. */
    async render(): Promise<{ contentType: string; body: string }> {
      const [own, node] = await Promise.all([registry.metrics(), nodeRegistry.metrics()]);
      return { contentType: registry.contentType, body: `${own}\n${node}` };
    },
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
