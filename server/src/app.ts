/**
 * The Baylight server: Apollo (HTTP) and graphql-ws (WebSocket) on one port,
 * `/graphql` for both, `/healthz`, `/readyz` and `/metrics` for operators
 * (ops/routes.ts). `startServer` is what `main.ts`
 * and the integration tests run, so tests exercise the real thing.
 */
import type { Agent as HttpsAgent } from 'node:https';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import cors from 'cors';
import express from 'express';
import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError } from 'graphql';
import type { Bus } from './bus/index.js';
import { createClusterAdapters, type ClusterAdapters, type Readiness } from './cluster/index.js';
import type { Config } from './config/index.js';
import type { Db } from './db/index.js';
import { openConfiguredDb } from './db/open.js';
import type { GraphQLContext } from './graphql/context.js';
import { createBoardCache } from './graphql/board-cache.js';
import type { Fanout } from './graphql/fanout.js';
import { createLoaders } from './graphql/loaders.js';
import { maskUnexpected } from './graphql/errors.js';
import { buildSchema } from './graphql/schema.js';
import { attachWebSocketServer, bearer } from './graphql/ws.js';
import { createApiLimits, type ApiLimits } from './limits/index.js';
import { documentRules } from './limits/document-limits.js';
import { createIdempotency } from './graphql/idempotency.js';
import { applyExecutionBudget, startExecutionClock } from './limits/execution-budget.js';
import {
  apiSecurityHeaders,
  bodyErrors,
  jsonBody,
  operationChecksPlugin,
  publicError,
  requestGate,
  type GateLocals,
} from './limits/http.js';
import type { SocketGuard } from './limits/sockets.js';
import type { WebSocketServer } from 'ws';
import { graphqlDurationPlugin } from './metrics/apollo-plugin.js';
import { createReadiness, readinessChecks, readMigrationJournal } from './ops/readiness.js';
import { opsRoutes } from './ops/routes.js';
import { createServices, type Services } from './services.js';
import { systemClock, type Clock } from './shared/clock.js';
import { createLogger, type Logger } from './shared/logger.js';

export interface RunningServer {
  url: string;
  wsUrl: string;
  port: number;
  services: Services;
  httpServer: Server;
  /** The WebSocket server and its socket limits (tests look at sockets server-side). */
  webSockets: { wss: WebSocketServer; guard: SocketGuard; fanout: Fanout };
  limits: ApiLimits;
  /** Bus, limiters and bank leases: in-process, or in Redis when REDIS_URL is set. */
  cluster: ClusterAdapters;
  /** Redis reachable (PING), for /readyz; always ok when embedded. */
  ready(): Promise<Readiness>;
  close(): Promise<void>;
}

export interface StartOptions {
  config: Config;
  logger?: Logger;
  clock?: Clock;
  /** Adapters; the embedded defaults when omitted. */
  db?: Db;
  bus?: Bus;
  /** HTTPS agent for web push (tests point it at a local push service). */
  pushAgent?: HttpsAgent;
}

export async function startServer(opts: StartOptions): Promise<RunningServer> {
  const { config } = opts;
  const logger = opts.logger ?? createLogger(config);
  const db = opts.db ?? (await openConfiguredDb(config, logger));
  const cluster = await createClusterAdapters(config, logger).catch(async (err: unknown) => {
    if (!opts.db) await db.close();
    throw err;
  });
  const bus = opts.bus ?? cluster.bus;
  const services = await createServices({
    db,
    bus,
    config,
    clock: opts.clock ?? systemClock,
    logger,
    // One instance needs no leases: which socket holds a bank is known in this process.
    ...(cluster.mode === 'redis' ? { leases: cluster.leases } : {}),
    ...(opts.pushAgent ? { pushAgent: opts.pushAgent } : {}),
  }).catch(async (err: unknown) => {
    // E.g. a pickup key file others may read: refused before anything listens.
    if (!opts.db) await db.close();
    await cluster.close();
    throw err;
  });
  const production = config.NODE_ENV === 'production';
  const limits = createApiLimits(config, cluster.limiters);
  const schema = applyExecutionBudget(buildSchema(), config.GRAPHQL_EXECUTION_BUDGET_MS);

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', limits.trustProxy);
  // Slow senders are checked for every connectionsCheckingInterval (Node: 30 s, which would let a
  // 20 s headers timeout fire only after up to 50 s).
  const httpServer = createServer(
    { connectionsCheckingInterval: Math.min(5_000, Math.ceil(config.HTTP_HEADERS_TIMEOUT_MS / 4)) },
    app,
  );
  // Slow senders: headers within HTTP_HEADERS_TIMEOUT_MS, the whole request within
  // HTTP_REQUEST_TIMEOUT_MS (Node: 60 s and 300 s), else 408 and the connection closes.
  // The headers timeout stays above the keep-alive timeout (the config checks it).
  httpServer.keepAliveTimeout = config.HTTP_KEEP_ALIVE_TIMEOUT_MS;
  httpServer.headersTimeout = config.HTTP_HEADERS_TIMEOUT_MS;
  httpServer.requestTimeout = config.HTTP_REQUEST_TIMEOUT_MS;
  const ws = attachWebSocketServer({
    httpServer,
    schema,
    services,
    logger: logger.child({ domain: 'ws' }),
    keepAliveMs: config.WS_KEEPALIVE_MS,
    maxPayloadBytes: config.WS_MAX_PAYLOAD_BYTES,
    limits,
    production,
  });

  // The board, executed once per state and audience (graphql/board-cache.ts).
  const boardCache = createBoardCache({
    bus,
    metrics: services.metrics,
    logger: logger.child({ domain: 'board-cache' }),
    maxAgeMs: config.BOARD_CACHE_MAX_AGE_MS,
  });

  // Offline replay: a mutation sent again with its idempotency key is applied once (graphql/idempotency.ts).
  const idempotency = createIdempotency(services.db, services.clock);
  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    csrfPrevention: true,
    // Off in production, over HTTP here and over WebSocket in ws.ts; "did you mean" suggestions too.
    introspection: !production,
    hideSchemaDetailsFromClientErrors: production,
    parseOptions: { maxTokens: limits.document.maxTokens },
    validationRules: documentRules(limits.document),
    includeStacktraceInErrorResponses: false,
    // Apollo pretty-prints every answer (JSON.stringify with two-space indents): a third more bytes
    // to build and send for the board. Clients parse JSON; nobody reads it raw. The board cache's
    // kept answers are serialised once (graphql/board-cache.ts).
    stringifyResult: (result) => boardCache.stringify(result),
    formatError: (formatted: GraphQLFormattedError, error: unknown) =>
      publicError(maskUnexpected(formatted, unwrapResolverError(error), logger), production),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      { serverWillStart: () => Promise.resolve({ drainServer: () => ws.dispose() }) },
      operationChecksPlugin(limits),
      graphqlDurationPlugin(services.metrics),
      boardCache.plugin,
      idempotency.plugin,
      // No field has a cache hint and no response is cached (every answer depends on who asks), but
      // the default cache-control plugin hooks willResolveField, which wraps every resolver of every
      // request in Apollo's instrumentation.
      ApolloServerPluginCacheControlDisabled(),
      // The default landing page loads Apollo's JavaScript from a CDN: none in production.
      ...(production ? [ApolloServerPluginLandingPageDisabled()] : []),
    ],
  });
  await apollo.start();

  app.use(apiSecurityHeaders(production));
  services.metrics.observe({ openSockets: () => ws.wss.clients.size });
  // /healthz (alive), /readyz (database, migrations, Redis), /metrics: ops/routes.ts.
  app.use(
    opsRoutes({
      instanceId: services.metrics.instanceId,
      metrics: services.metrics,
      metricsToken: config.METRICS_TOKEN,
      readiness: createReadiness(
        readinessChecks({
          probe: db.probe,
          journal: readMigrationJournal(db.migrationsFolder),
          // A Bus given by the caller answers for itself; otherwise the cluster's Redis (PING).
          bus: opts.bus ?? {
            ready: async () => {
              const r = await cluster.ready();
              if (!r.ok) throw new Error(r.error ?? 'redis: not ready');
            },
          },
          redisConfigured: config.REDIS_URL !== undefined,
        }),
      ),
      alive: () => ({ connectedBanks: services.devices.connectedCount() }),
    }),
  );
  app.use(
    '/graphql',
    cors<cors.CorsRequest>({ origin: config.WEB_ORIGINS, credentials: false, maxAge: 600 }),
    requestGate(limits, services.authenticate, bearer),
    jsonBody(config.HTTP_BODY_LIMIT_BYTES, config.HTTP_IMPORT_BODY_LIMIT_BYTES),
    expressMiddleware(apollo, {
      context: ({ res }) => {
        const gate = res.locals.gate as GateLocals;
        const context: GraphQLContext = {
          viewer: gate.viewer,
          device: null,
          services,
          loaders: createLoaders(services),
          client: gate.client,
        };
        startExecutionClock(context);
        return Promise.resolve(context);
      },
    }),
    bodyErrors,
  );

  // Periodic work: one run at a time per timer (a slow run is not overlapped), failures logged.
  const every = (ms: number, what: string, run: () => Promise<unknown>) => {
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      run()
        .catch((err: unknown) => logger.error({ err }, `${what} failed`))
        .finally(() => (running = false));
    }, ms);
    timer.unref();
    return timer;
  };
  const sweeper = every(5_000, 'command expiry', async () => services.devices.expireOverdueCommands());
  const parcelSweeper = every(config.PARCEL_SWEEP_MS, 'parcel sweep', async () => services.parcels.sweep());
  // Lapsed drop-offs, unclaimed self-service loaners, bookings' slots and waitlist offers: well within a minute.
  const handoutSweeper = every(Math.min(config.PARCEL_SWEEP_MS, 15_000), 'handout sweep', async () => {
    await services.handouts.sweep();
    await services.queue.sweep();
  });
  // Loan reminders, escalation and the lost-mode call (handouts/reminders.ts).
  const reminderSweeper = every(config.REMINDER_SWEEP_MS, 'reminder sweep', async () => services.reminders.sweep());
  // The attempt log is kept 90 days; idle network clients' counters are forgotten after a week.
  const attemptPruner = every(3_600_000, 'attempt log prune', async () => {
    await services.attempts.prune();
    await idempotency.prune();
  });
  // Cluster mode: a bank an instance held when it died (no close, so no grace period) goes
  // OFFLINE once its lease has expired and its grace period has passed. Embedded, every bank
  // without a connection already has its grace period running (connections.ts).
  const presenceSweeper =
    cluster.mode === 'redis'
      ? every(Math.max(1_000, cluster.leases.ttlMs / 3), 'presence sweep', () => services.devices.sweepPresence())
      : undefined;
  await services.devices.resumePresence();
  services.notify.start();
  services.sockets.start();
  const stopWatchingKeys = services.pickupKeys.watch();

  await new Promise<void>((resolve) => httpServer.listen(config.PORT, config.HOST, resolve));
  const port = (httpServer.address() as AddressInfo).port;
  const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? 'localhost' : config.HOST;
  logger.info({ port }, `Baylight server listening on http://${host}:${port}/graphql`);

  let closing: Promise<void> | null = null;
  return {
    url: `http://${host}:${port}/graphql`,
    wsUrl: `ws://${host}:${port}/graphql`,
    port,
    services,
    httpServer,
    webSockets: { wss: ws.wss, guard: ws.guard, fanout: ws.fanout },
    limits,
    cluster,
    ready: () => cluster.ready(),
    close() {
      closing ??= (async () => {
        clearInterval(sweeper);
        clearInterval(parcelSweeper);
        clearInterval(handoutSweeper);
        clearInterval(reminderSweeper);
        clearInterval(attemptPruner);
        clearInterval(presenceSweeper);
        stopWatchingKeys();
        services.sockets.stop();
        boardCache.close();
        services.devices.dispose();
        services.audit.dispose();
        await services.notify.stop();
        // Closing sockets makes clients reconnect elsewhere; stop() drains HTTP and disposes graphql-ws.
        for (const client of ws.wss.clients) client.terminate();
        await apollo.stop();
        await cluster.close();
        if (!opts.db) await db.close();
      })();
      return closing;
    },
  };
}
