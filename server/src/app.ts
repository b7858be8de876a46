/**
 * The Baylight server: Apollo (HTTP) and graphql-ws (WebSocket) on one port,
 * `/graphql` for both, `/healthz` for probes. `startServer` is what `main.ts`
 * and the integration tests run, so tests exercise the real thing.
 */
import type { Agent as HttpsAgent } from 'node:https';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import cors from 'cors';
import express from 'express';
import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError } from 'graphql';
import { createInProcessBus, type Bus } from './bus/index.js';
import type { Config } from './config/index.js';
import { openSqliteDb, type Db } from './db/index.js';
import type { GraphQLContext } from './graphql/context.js';
import { clientAddressResolver } from './graphql/client-address.js';
import { createLoaders } from './graphql/loaders.js';
import { maskUnexpected } from './graphql/errors.js';
import { buildSchema } from './graphql/schema.js';
import { attachWebSocketServer, bearer } from './graphql/ws.js';
import { createServices, type Services } from './services.js';
import { systemClock, type Clock } from './shared/clock.js';
import { createLogger, type Logger } from './shared/logger.js';

export interface RunningServer {
  url: string;
  wsUrl: string;
  port: number;
  services: Services;
  httpServer: Server;
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
  const db = opts.db ?? openSqliteDb(config.DATABASE_FILE);
  const bus = opts.bus ?? createInProcessBus();
  const services = await createServices({
    db,
    bus,
    config,
    clock: opts.clock ?? systemClock,
    logger,
    ...(opts.pushAgent ? { pushAgent: opts.pushAgent } : {}),
  }).catch((err: unknown) => {
    // E.g. a pickup key file others may read: refused before anything listens.
    if (!opts.db) db.close();
    throw err;
  });
  const schema = buildSchema();
  const clientAddress = clientAddressResolver(config.TRUST_PROXY);

  const app = express();
  app.disable('x-powered-by');
  const httpServer = createServer(app);
  // Longer than the idle timeout of common proxies and load balancers (60 s),
  // so the server never closes a kept-alive connection a client is reusing.
  httpServer.keepAliveTimeout = 65_000;
  httpServer.headersTimeout = 66_000;
  const ws = attachWebSocketServer({
    httpServer,
    schema,
    services,
    logger: logger.child({ domain: 'ws' }),
    keepAliveMs: config.WS_KEEPALIVE_MS,
    maxPayloadBytes: config.WS_MAX_PAYLOAD_BYTES,
    clientAddress,
  });

  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    csrfPrevention: true,
    introspection: true,
    includeStacktraceInErrorResponses: false,
    formatError: (formatted: GraphQLFormattedError, error: unknown) =>
      maskUnexpected(formatted, unwrapResolverError(error), logger),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      { serverWillStart: () => Promise.resolve({ drainServer: () => ws.dispose() }) },
    ],
  });
  await apollo.start();

  app.get('/healthz', (_req, res) => {
    res.json({ ok: true, connectedBanks: services.devices.connectedCount() });
  });
  app.use(
    '/graphql',
    cors<cors.CorsRequest>({ origin: config.WEB_ORIGINS, credentials: false, maxAge: 600 }),
    express.json({ limit: '1mb' }),
    expressMiddleware(apollo, {
      context: ({ req }) =>
        Promise.resolve({
          viewer: services.authenticate(bearer(req.headers.authorization)),
          device: null,
          services,
          loaders: createLoaders(services),
          client: clientAddress(req),
        }),
    }),
  );

  const sweeper = setInterval(() => services.devices.expireOverdueCommands(), 5_000);
  sweeper.unref();
  const parcelSweeper = setInterval(() => {
    try {
      services.parcels.sweep();
    } catch (err) {
      logger.error({ err }, 'parcel sweep failed');
    }
  }, config.PARCEL_SWEEP_MS);
  parcelSweeper.unref();
  services.devices.resumePresence();
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
    close() {
      closing ??= (async () => {
        clearInterval(sweeper);
        clearInterval(parcelSweeper);
        stopWatchingKeys();
        services.sockets.stop();
        services.devices.dispose();
        services.audit.dispose();
        await services.notify.stop();
        // Closing sockets makes clients reconnect elsewhere; stop() drains HTTP and disposes graphql-ws.
        for (const client of ws.wss.clients) client.terminate();
        await apollo.stop();
        if (!opts.db) db.close();
      })();
      return closing;
    },
  };
}
