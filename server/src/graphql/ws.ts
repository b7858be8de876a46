/**
 * graphql-ws on the same port and path as HTTP. One endpoint serves people
 * (connectionParams.authorization) and locker controllers
 * (connectionParams.deviceToken); see devices/PROTOCOL.md.
 */
import type { Server } from 'node:http';
import type { GraphQLSchema } from 'graphql';
import { maskUnexpected, withRequestCode } from './errors.js';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { DeviceConnection } from '../devices/service.js';
import type { DeviceAckPayload } from '../devices/protocol.js';
import type { DeviceIdentity } from '../devices/types.js';
import type { Viewer } from '../people/types.js';
import type { Services } from '../services.js';
import type { Logger } from '../shared/logger.js';
import type { ClientAddress } from './client-address.js';
import { createLoaders } from './loaders.js';
import type { GraphQLContext } from './context.js';
import { principalOfDevice, principalOfViewer, reauthenticate } from './sockets.js';

type Identity =
  { kind: 'person'; viewer: Viewer } | { kind: 'device'; device: DeviceIdentity; connection: DeviceConnection };

/** What a connection carries from connect to its operations. */
type Extra = { identity?: Identity };

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
  clientAddress: ClientAddress;
}) {
  const { services, logger } = opts;
  // maxPayload: ws closes a socket sending a larger frame with 1009.
  const wss = new WebSocketServer({ server: opts.httpServer, path: '/graphql', maxPayload: opts.maxPayloadBytes });

  const disposable = useServer<Record<string, unknown>, Extra>(
    {
      schema: opts.schema,
      isProd: true,
      onConnect: (ctx) => {
        const params = ctx.connectionParams ?? {};
        const extra = ctx.extra;
        if ('deviceToken' in params) {
          const found = services.devices.authenticate(params.deviceToken);
          if (!found) {
            logger.warn({ ip: extra.request.socket.remoteAddress }, 'controller refused: bad device token');
            return false; // 4403 Forbidden
          }
          const connection: DeviceConnection = { close: (code, reason) => extra.socket.close(code, reason) };
          extra.identity = { kind: 'device', device: found.identity, connection };
          services.devices.attach(found.bank.id, connection);
          services.sockets.register(extra.socket, principalOfDevice(found.identity));
          const ack: DeviceAckPayload = services.parcels.controllerAck(found.bank);
          return ack as unknown as Record<string, unknown>;
        }
        const viewer = services.authenticate(bearer(params.authorization));
        if (!viewer) return false; // 4403 Forbidden: no data without a valid token
        extra.identity = { kind: 'person', viewer };
        services.sockets.register(extra.socket, principalOfViewer(viewer));
        return true;
      },
      onClose: (ctx) => {
        const identity = (ctx.extra as Extra).identity;
        services.sockets.unregister(ctx.extra.socket);
        if (identity?.kind === 'device') services.devices.detach(identity.device.bankId, identity.connection);
      },
      // Every operation authenticates again (one indexed lookup), so a credential revoked
      // while the socket is open gets nothing more, even before the revocation closes it.
      onSubscribe: (ctx) =>
        reauthenticate(services, ctx.extra, bearer(ctx.connectionParams?.authorization), ctx.connectionParams ?? {}),
      context: (ctx): GraphQLContext => {
        const identity = (ctx.extra as Extra).identity;
        return {
          viewer: identity?.kind === 'person' ? identity.viewer : null,
          device: identity?.kind === 'device' ? identity.device : null,
          services,
          loaders: createLoaders(services),
          client: opts.clientAddress(ctx.extra.request),
        };
      },
      // Errors before execution (validation, variables) get a code like over HTTP.
      onError: (_ctx, _id, _payload, errors) => errors.map((e) => withRequestCode(e.toJSON())),
      // Errors during execution: unexpected ones are logged and masked.
      onNext: (_ctx, _id, _payload, _args, result) => {
        if (!('errors' in result) || !result.errors?.length) return undefined;
        return { ...result, errors: result.errors.map((e) => maskUnexpected(withRequestCode(e.toJSON()), e, logger)) };
      },
    },
    wss,
    opts.keepAliveMs,
  );

  return {
    wss,
    async dispose() {
      await disposable.dispose();
    },
  };
}
