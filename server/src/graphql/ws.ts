/**
 * graphql-ws on the same port and path as HTTP. One endpoint serves people
 * (connectionParams.authorization) and locker controllers
 * (connectionParams.deviceToken); see devices/PROTOCOL.md.
 */
import type { Server } from 'node:http';
import {
  execute,
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FormattedExecutionResult,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';
import { maskUnexpected, withRequestCode } from './errors.js';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ApiLimits } from '../limits/index.js';
import { documentRules, parseWithLimits } from '../limits/document-limits.js';
import { startExecutionClock } from '../limits/execution-budget.js';
import { publicError } from '../limits/http.js';
import { operationPolicyError } from '../limits/operation-policy.js';
import { guardSockets } from '../limits/sockets.js';
import { ErrorCode, rateLimited } from '../shared/errors.js';
import { createAcceptanceClock } from '../cluster/leases.js';
import type { DeviceConnection } from '../devices/connections.js';
import { instanceIdOf } from '../shared/instance.js';
import { createSerialQueues } from '../shared/serial.js';
import type { DeviceIdentity } from '../devices/types.js';
import type { Viewer } from '../people/types.js';
import type { Services } from '../services.js';
import type { Logger } from '../shared/logger.js';
import { createLoaders, type Loaders } from './loaders.js';
import type { GraphQLContext } from './context.js';
import { createFanout, type FanoutTarget } from './fanout.js';
import { principalOfDevice, principalOfViewer, reauthenticate } from './sockets.js';

type Identity =
  { kind: 'person'; viewer: Viewer } | { kind: 'device'; device: DeviceIdentity; connection: DeviceConnection };

/** What a connection carries from connect to its operations. */
type Extra = { identity?: Identity; client?: string | null };

/** Distinct valid operation texts kept parsed (oldest forgotten first). */
const VALID_DOCUMENTS_KEPT = 500;

const refusal = (message: string, code: string) => new GraphQLError(message, { extensions: { code } });

export function bearer(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const m = /^Bearer\s+(\S+)$/i.exec(value.trim());
  return m?.[1] ?? null;
}

export function attachWebSocketServer(opts: {
  httpServer: Server;
  schema: GraphQLSchema;
  services: Services;
  logger: Logger;
  keepAliveMs: number;
  maxPayloadBytes: number;
  limits: ApiLimits;
  production: boolean;
}) {
  const { services, logger, limits, production } = opts;
  const config = services.config;
  const instanceId = instanceIdOf(config);
  /**
   * A socket's queries and mutations run one after another (its subscriptions
   * are not held up). With the asynchronous Db, fifty heavy queries sent at
   * once on one socket would otherwise interleave at every await, each taking
   * as long as all of them together, so all would meet the execution budget
   * and none answer; in turn, each gets its budget from when its turn comes.
   */
  const turns = createSerialQueues();
  const socketIds = new WeakMap<WebSocket, string>();
  let sockets = 0;
  const turnOf = new WeakMap<object, string>();
  // maxPayload: ws closes a socket sending a larger frame with 1009.
  const wss = new WebSocketServer({ server: opts.httpServer, path: '/graphql', maxPayload: opts.maxPayloadBytes });
  // Before useServer: its connection listener must run after the guard has wrapped socket.send.
  const guard = guardSockets(wss, {
    maxSocketsPerClient: config.WS_MAX_SOCKETS_PER_CLIENT,
    maxBufferedBytes: config.WS_MAX_BUFFERED_BYTES,
    clientOf: limits.clientOf,
    logger,
  });
  // The same document rules as Apollo's over HTTP; introspection is refused here the way
  // Apollo's `introspection: false` refuses it there.
  const rules: ValidationRule[] = [
    ...specifiedRules,
    ...documentRules(limits.document),
    ...(production ? [NoSchemaIntrospectionCustomRule] : []),
  ];
  const format = (e: GraphQLError) => publicError(withRequestCode(e.toJSON()), production);
  // Controllers' connections are ordered by when the socket was accepted, not by when their
  // connection_init arrived (devices/connections.ts): noted here, before any message is read.
  // Documents that parsed within the limits and passed the rules, by their text: thousands of phones
  // subscribe with the same few, and one parsed copy (not one each) is what they then share (fanout.ts).
  const validDocuments = new Map<string, DocumentNode>();
  const remember = (query: string, document: DocumentNode) => {
    if (validDocuments.size >= VALID_DOCUMENTS_KEPT) validDocuments.delete(validDocuments.keys().next().value!);
    validDocuments.set(query, document);
  };
  // Results leave the same way whether one subscriber's or a shared one's: unexpected errors logged and masked.
  const formatResult = (result: ExecutionResult): ExecutionResult | FormattedExecutionResult => {
    if (!result.errors?.length) return result;
    return {
      ...result,
      errors: result.errors.map((e) => publicError(maskUnexpected(withRequestCode(e.toJSON()), e, logger), production)),
    };
  };
  // Who each person's operation is and where its frames go, for shared delivery (fanout.ts).
  const targets = new WeakMap<object, { target: FanoutTarget; viewer: Viewer | null }>();
  const fanout = createFanout({
    schema: opts.schema,
    logger,
    targetOf: (contextValue) => (contextValue ? (targets.get(contextValue) ?? null) : null),
    formatResult,
    onDelivered: (count) => services.metrics.subscriptionMessagesDelivered(count),
  });
  let acceptedSockets = 0;
  const acceptedOrder = new WeakMap<WebSocket, { order: number; at: number }>();
  const acceptanceClock = createAcceptanceClock();
  wss.on('connection', (socket) => acceptedOrder.set(socket, { order: ++acceptedSockets, at: acceptanceClock() }));

  const disposable = useServer<Record<string, unknown>, Extra>(
    {
      schema: opts.schema,
      isProd: true,
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        const extra = ctx.extra;
        if (guard.refused(extra.socket)) return false; // already closing with 1013
        extra.client = guard.clientOf(extra.socket);
        if ('deviceToken' in params) {
          const found = await services.devices.authenticate(params.deviceToken);
          if (!found) {
            logger.warn({ ip: extra.request.socket.remoteAddress }, 'controller refused: bad device token');
            return false; // 4403 Forbidden
          }
          const socket = extra.socket;
          const accepted = acceptedOrder.get(socket) ?? { order: ++acceptedSockets, at: acceptanceClock() };
          const connection: DeviceConnection = {
            acceptedOrder: accepted.order,
            connectionId: `${instanceId}:${accepted.order}`,
            acceptedAt: accepted.at,
            close: (code, reason) => socket.close(code, reason),
          };
          const outcome = await services.devices.connect(found, params, connection);
          if (!outcome.ok) {
            logger.warn({ bankId: found.bank.id, code: outcome.code }, `controller refused: ${outcome.reason}`);
            // graphql-ws then closes with 4403, which ws ignores: this close frame is already out.
            socket.close(outcome.code, outcome.reason);
            return false;
          }
          if (socket.readyState !== socket.OPEN) {
            // It closed while the handshake ran: onClose found no identity to release, so release it here.
            await services.devices.disconnect(found.bank.id, connection);
            return false;
          }
          extra.identity = { kind: 'device', device: outcome.identity, connection };
          guard.release(socket);
          services.sockets.register(socket, principalOfDevice(outcome.identity));
          // Pongs and messages are signs of life (last_seen_at, throttled per bank).
          const bankId = found.bank.id;
          const signOfLife = () =>
            void Promise.resolve(services.devices.noteSignOfLife(bankId)).catch((err: unknown) =>
              logger.error({ err, bankId }, 'could not note a sign of life'),
            );
          socket.on('pong', signOfLife);
          socket.on('message', signOfLife);
          return outcome.ack as unknown as Record<string, unknown>;
        }
        const viewer = await services.authenticate(bearer(params.authorization));
        if (!viewer) return false; // 4403 Forbidden: no data without a valid token
        if (extra.socket.readyState !== extra.socket.OPEN) return false; // closed while authenticating
        extra.identity = { kind: 'person', viewer };
        services.sockets.register(extra.socket, principalOfViewer(viewer));
        return true;
      },
      onClose: async (ctx) => {
        const identity = (ctx.extra as Extra).identity;
        services.sockets.unregister(ctx.extra.socket);
        if (identity?.kind === 'device') {
          await services.devices.disconnect(identity.device.bankId, identity.connection);
        }
      },
      /**
       * Each operation meets what an HTTP request meets, in the cheapest order:
       * the socket's operation cap, the request budget, the token limit while
       * parsing, the document rules, then the operation policy. A refusal is an
       * `error` message for this operation only; the socket stays open.
       */
      onSubscribe: async (ctx, _id, payload): Promise<ExecutionArgs | readonly GraphQLError[]> => {
        const extra = ctx.extra;
        // graphql-ws registers the operation before calling us, so this one is counted. Checked
        // before anything is awaited, so operations arriving together are counted in arrival order.
        if (Object.keys(ctx.subscriptions).length > config.WS_MAX_OPERATIONS_PER_SOCKET) {
          return [
            refusal(
              'This connection carries as many operations as it may; complete some first.',
              ErrorCode.TooManySubscriptions,
            ),
          ];
        }
        // Every operation authenticates again (one indexed lookup), so a credential revoked
        // while the socket is open gets nothing more, even before the revocation closes it.
        const revoked = await reauthenticate(
          services,
          extra,
          bearer(ctx.connectionParams?.authorization),
          ctx.connectionParams ?? {},
        );
        if (revoked) return revoked;
        const identity = extra.identity;
        const requester = {
          client: extra.client ?? null,
          tokenId: identity?.kind === 'person' ? identity.viewer.tokenId : null,
          deviceBankId: identity?.kind === 'device' ? identity.device.bankId : null,
        };
        const decision = await limits.charge(requester);
        if (!decision.ok) return [rateLimited(decision.retryAfterMs)];
        let document = validDocuments.get(payload.query);
        if (!document) {
          try {
            document = parseWithLimits(payload.query, limits.document);
          } catch (err) {
            if (err instanceof GraphQLError) return [refusal(err.message, 'GRAPHQL_PARSE_FAILED')];
            throw err;
          }
          const invalid = validate(opts.schema, document, rules);
          if (invalid.length) {
            return invalid.map(
              (e) => new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }),
            );
          }
          remember(payload.query, document);
        }
        const policyError = operationPolicyError(
          opts.schema,
          document,
          payload.operationName,
          payload.variables,
          limits.policy,
        );
        if (policyError) return [policyError];
        const work = await limits.chargeWork(requester, opts.schema, document, payload.operationName);
        if (!work.ok) return [rateLimited(work.retryAfterMs)];
        return {
          schema: opts.schema,
          document,
          operationName: payload.operationName ?? null,
          variableValues: payload.variables ?? null,
        };
      },
      context: (ctx, id, payload): GraphQLContext => {
        const extra = ctx.extra;
        const identity = extra.identity;
        let loaders: Loaders | undefined;
        const context: GraphQLContext = {
          viewer: identity?.kind === 'person' ? identity.viewer : null,
          device: identity?.kind === 'device' ? identity.device : null,
          services,
          // Made when first used: a subscriber sharing a group's execution never uses its own.
          get loaders() {
            return (loaders ??= createLoaders(services));
          },
          client: extra.client ?? null,
        };
        startExecutionClock(context);
        let socketId = socketIds.get(extra.socket);
        if (!socketId) socketIds.set(extra.socket, (socketId = String(++sockets)));
        turnOf.set(context, socketId);
        if (identity?.kind === 'person')
          targets.set(context, { target: { socket: extra.socket, id, query: payload.query }, viewer: context.viewer });
        return context;
      },
      // Subscriptions that can share one execution per event do (fanout.ts); the rest run as before.
      subscribe: (args) => fanout.subscribe(args),
      execute: (args) => {
        const context = args.contextValue as object;
        const turn = turnOf.get(context);
        if (turn === undefined) return execute(args);
        return turns.run(turn, async () => {
          startExecutionClock(context);
          return await execute(args);
        });
      },
      // Errors before execution (validation, variables) get a code like over HTTP.
      onError: (_ctx, _id, _payload, errors) => errors.map(format),
      // Metrics (metrics/index.ts): subscriptions running, messages delivered, query durations.
      onOperation: (ctx, id, _payload, args, result) => services.metrics.wsOperation(ctx, id, args, result),
      onComplete: (ctx, id) => services.metrics.wsOperationComplete(ctx, id),
      // Errors during execution: unexpected ones are logged and masked.
      onNext: (ctx, id, _payload, _args, result) => {
        services.metrics.wsNext(ctx, id);
        if (!('errors' in result) || !result.errors?.length) return undefined;
        return formatResult(result);
      },
    },
    wss,
    opts.keepAliveMs,
  );

  return {
    wss,
    guard,
    fanout,
    async dispose() {
      await disposable.dispose();
    },
  };
}
