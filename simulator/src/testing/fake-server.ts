/**
 * An in-memory stand-in for the device side of the Baylight server, for the
 * simulator's tests, written to server/src/devices/PROTOCOL.md version 2. It
 * executes operations against the real contract (../../../schema.graphql), so
 * a document the real server would reject fails here too, and it refuses and
 * answers what the real server refuses and answers: the ack (limits,
 * generation, server time), per-event rejections and flags, seq checks with
 * extensions.index, batch limits, conflicts, lost ranges, health reports,
 * connection ordering (4000 / 4002), one lockerCommands per connection, the
 * close codes. The parity suite (src/parity.test.ts) runs the same scenarios
 * against this and the real server, so the two cannot drift apart unseen.
 *
 * What only the fake does, and why it exists: fault injection the real server
 * never shows on demand (lost answers, hanging requests, cut sockets, a lower
 * batch limit than announced, an older server, a schema without an
 * operation).
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  buildSchema,
  GraphQLError,
  GraphQLObjectType,
  GraphQLSchema,
  Kind,
  OperationTypeNode,
  parse,
  validate,
  type DocumentNode,
  type GraphQLFieldConfigMap,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  BANK_EVENT_KINDS,
  COMPARTMENT_EVENT_KINDS,
  DEFAULT_LIMITS,
  type AckCompartment,
  type ControllerHealthInput,
  type DeviceLimits,
  type EventFlag,
  type EventRejection,
  type LockerCommand,
  type LockerEventInput,
} from '../types.js';

const schemaText = readFileSync(new URL('../../../schema.graphql', import.meta.url), 'utf8');

/** ISO 8601 with a zone, as the server's scalars take it (server/src/graphql/scalars.ts). */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;

function parseInstant(value: unknown): number | null {
  if (typeof value !== 'string' || value.length > 40 || !ISO_INSTANT.test(value)) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

const KNOWN_KINDS: ReadonlySet<string> = new Set([...COMPARTMENT_EVENT_KINDS, ...BANK_EVENT_KINDS]);
const BANK_KINDS: ReadonlySet<string> = new Set(BANK_EVENT_KINDS);
const KIND_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const INIT_TEXT_MAX = 100;

export interface StoredEvent {
  seq: number;
  generation: number;
  /** Upper-cased and cut to 16 characters; absent for bank-level events. */
  label?: string;
  /** The kind, or UNRECOGNISED for one this server does not know. */
  kind: string;
  /** The kind as sent. */
  reportedKind: string;
  /** `at` as sent. */
  at: string;
  /** On the server's time line: `at`, corrected or replaced as the flags say. */
  occurredAt: string;
  code?: string;
  detail?: string;
  rejection: EventRejection | null;
  flags: EventFlag[];
  /** The event as it arrived, for telling a duplicate from a conflict. */
  sent: LockerEventInput;
}

export interface LostRange {
  fromSeq: number;
  throughSeq: number;
  reason: string;
}

interface GenerationLog {
  accepted: number;
  events: Map<number, StoredEvent>;
  lost: LostRange[];
}

export interface FakeControllerInfo {
  protocolVersion: number;
  model: string | null;
  serial: string | null;
  firmware: string | null;
  capabilities: string[];
  clockOffsetMs: number | null;
}

interface FakeCommand {
  command: LockerCommand;
  expiresAtMs: number;
  /** Sent with the ttlMs it was given (deliver()), not the time left. */
  fixedTtl: boolean;
  status: 'PENDING' | 'DELIVERED' | 'DONE' | 'FAILED' | 'EXPIRED';
  outcome: string | null;
  outcomeDetail: string | null;
  acknowledgedAt: string | null;
  acknowledgedLate: boolean;
}

export class FakeBank {
  readonly id: string;
  name: string;
  token: string;
  compartments: AckCompartment[];
  /** The device token generation; rotateToken() starts a new one. */
  generation = 1;
  readonly #logs = new Map<number, GenerationLog>();
  /** Every seq received again with the same content. */
  duplicateSeqs: number[] = [];
  /** Every seq received again with other content. */
  conflictSeqs: number[] = [];
  /** Sizes of the batches received, in order (refused ones included). */
  batchSizes: number[] = [];
  acks: { id: string; outcome: string; detail?: string }[] = [];
  /** What connection_ack lists for offline QR checks; tests set them. */
  pickupKeys: { kid: string; alg: 'EdDSA'; jwk: Record<string, unknown>; retiresAt: string | null }[] = [];
  revokedPickupTokens: string[] = [];
  /** What the controller said about itself at its last connection_init. */
  controller: FakeControllerInfo | null = null;
  health: (ControllerHealthInput & { receivedAt: string })[] = [];
  status: 'ONLINE' | 'OFFLINE' = 'OFFLINE';
  /** @internal */
  commands = new Map<string, FakeCommand>();

  constructor(id: string, name: string, token: string, compartments: AckCompartment[]) {
    this.id = id;
    this.name = name;
    this.token = token;
    this.compartments = compartments;
    this.#logs.set(1, { accepted: 0, events: new Map(), lost: [] });
  }

  /** The current generation's log. @internal */
  get current(): GenerationLog {
    let log = this.#logs.get(this.generation);
    if (!log) {
      log = { accepted: 0, events: new Map(), lost: [] };
      this.#logs.set(this.generation, log);
    }
    return log;
  }

  /** Stored events of the current generation, in seq order; a declared lost range is one EVENTS_LOST entry at its last seq. */
  get log(): StoredEvent[] {
    return this.logOf(this.generation);
  }

  logOf(generation: number): StoredEvent[] {
    const log = this.#logs.get(generation);
    return log ? [...log.events.values()].sort((a, b) => a.seq - b.seq) : [];
  }

  get lost(): LostRange[] {
    return [...this.current.lost];
  }

  get acceptedThroughSeq(): number {
    return this.current.accepted;
  }
}

interface Connection {
  bank: FakeBank;
  generation: number;
  socket: WebSocket;
  /** When the server accepted the socket, as an order (PROTOCOL.md 2: it decides 4000 vs 4002). */
  acceptedOrder: number;
  protocolVersion: number;
  clockOffsetMs: number | null;
  /** The graphql-ws id of the running lockerCommands, if any. */
  commandsOperation?: string;
  /** Delivers to this connection's commands subscription, once there is one. */
  push?: (command: LockerCommand) => void;
}

export interface FakeServerOptions {
  /**
   * Called after a batch is stored, before answering. Return 'drop' to close
   * the socket instead of answering (the answer is lost; the data is stored),
   * 'hang' to never answer and keep the socket open (a half-dead link).
   */
  beforeReply?: (bank: FakeBank, events: LockerEventInput[]) => 'drop' | 'hang' | void;
  /** Refuse batches larger than this with BAD_USER_INPUT and extensions.limit, whatever the ack announced. */
  batchLimit?: number;
  /** What connection_ack announces (and this server enforces). Default: PROTOCOL.md's values. */
  limits?: Partial<DeviceLimits>;
  /** Versions this server speaks. [1] is an older server: a version 1 ack, no version 2 fields. Default [1, 2]. */
  protocolVersions?: number[];
  /** Mutations the schema lacks, as on an older server (e.g. ['reportControllerHealth']). */
  omitOperations?: string[];
  /** connection_ack server.version. */
  serverVersion?: string;
  /** The server's clock (ms since the epoch). Default Date.now. */
  now?: () => number;
  /** Fault injection: fields merged over the connection_ack (e.g. a protocolVersion no controller speaks). */
  ackExtra?: Record<string, unknown>;
  /** Command kinds of a newer server, added to the schema's CommandKind so issueCommand can send them. */
  newerCommandKinds?: string[];
}

/** The real server's answer to an opening for a bank that has been away past the grace period. */
export class BankOfflineError extends Error {
  override name = 'BankOfflineError';
}

function badInput(message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', ...extensions } });
}

function coded(message: string, code: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code } });
}

function bytesOf(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

function withoutMutations(schema: GraphQLSchema, names: readonly string[]): GraphQLSchema {
  if (names.length === 0) return schema;
  const config = schema.toConfig();
  const mutation = config.mutation;
  if (!mutation) return schema;
  const fields: GraphQLFieldConfigMap<unknown, unknown> = { ...mutation.toConfig().fields };
  for (const name of names) delete fields[name];
  const reduced = new GraphQLObjectType({ ...mutation.toConfig(), fields });
  return new GraphQLSchema({
    ...config,
    mutation: reduced,
    types: config.types.filter((t) => t.name !== mutation.name),
  });
}

function selectsLockerCommands(document: DocumentNode): boolean {
  return document.definitions.some(
    (d) =>
      d.kind === Kind.OPERATION_DEFINITION &&
      d.operation === OperationTypeNode.SUBSCRIPTION &&
      d.selectionSet.selections.some((s) => s.kind === Kind.FIELD && s.name.value === 'lockerCommands'),
  );
}

export class FakeServer {
  /** Banks by their current device token. */
  readonly banks = new Map<string, FakeBank>();
  /** connection_init attempts, accepted or not. */
  connectAttempts = 0;
  readonly #connections = new Set<Connection>();
  /** The live connection per bank: the one a newer socket replaces (4000) and an older one cannot unseat (4002). */
  readonly #live = new Map<FakeBank, Connection>();
  readonly #offlineTimers = new Map<FakeBank, NodeJS.Timeout>();
  #http: Server | undefined;
  #wss: WebSocketServer | undefined;
  #disposeWs: (() => Promise<void>) | undefined;
  #port = 0;
  #bankCounter = 0;
  #acceptCounter = 0;
  options: FakeServerOptions;

  constructor(options: FakeServerOptions = {}) {
    this.options = options;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.#port}/graphql`;
  }

  get limits(): DeviceLimits {
    return { ...DEFAULT_LIMITS, ...this.options.limits };
  }

  #now(): number {
    return (this.options.now ?? Date.now)();
  }

  addBank(opts: {
    token: string;
    labels: string[];
    name?: string;
    charging?: string[];
    acceptedThroughSeq?: number;
  }): FakeBank {
    const n = ++this.#bankCounter;
    const bank = new FakeBank(
      `bank_${n}`,
      opts.name ?? `Bank ${n}`,
      opts.token,
      opts.labels.map((label) => ({
        label,
        size: 'M',
        hasCharging: opts.charging?.includes(label) ?? false,
        depositId: null,
      })),
    );
    // A log that already reaches N (an earlier life of the controller).
    const at = new Date(0).toISOString();
    for (let seq = 1; seq <= (opts.acceptedThroughSeq ?? 0); seq++) {
      const label = opts.labels[0] ?? 'A01';
      const sent = { seq, label, kind: 'DOOR_CLOSED', at };
      bank.current.events.set(seq, {
        seq,
        generation: 1,
        label,
        kind: 'DOOR_CLOSED',
        reportedKind: 'DOOR_CLOSED',
        at,
        occurredAt: at,
        rejection: null,
        flags: [],
        sent,
      });
    }
    bank.current.accepted = opts.acceptedThroughSeq ?? 0;
    this.banks.set(opts.token, bank);
    return bank;
  }

  /** Open (acknowledged) connections for a bank. */
  connectionsOf(bank: FakeBank): number {
    return [...this.#connections].filter((c) => c.bank === bank).length;
  }

  /**
   * Issues a command of any kind (an unknown one too). It expires `ttlMs`
   * after now (default 30 s), on the server's clock, and is sent with the
   * time left. Throws BankOfflineError for a bank away past the grace period,
   * as the real server answers BANK_OFFLINE.
   */
  issueCommand(
    bank: FakeBank,
    opts: {
      kind: string;
      label?: string;
      id?: string;
      ttlMs?: number;
      via?: string | null;
      depositId?: string | null;
      tokenId?: string | null;
    },
  ): LockerCommand {
    if (bank.status === 'OFFLINE') throw new BankOfflineError(`${bank.name} is offline; nothing was sent`);
    const now = this.#now();
    const ttlMs = opts.ttlMs ?? 30_000;
    const command: LockerCommand = {
      id: opts.id ?? `cmd_${Math.random().toString(36).slice(2, 10)}`,
      kind: opts.kind,
      bankId: bank.id,
      compartmentLabel: opts.label ?? bank.compartments[0]?.label ?? 'A01',
      issuedAt: new Date(now).toISOString(),
      expiresAt: new Date(now + ttlMs).toISOString(),
      ttlMs,
      status: 'PENDING',
      via: opts.via ?? null,
      depositId: opts.depositId ?? null,
      tokenId: opts.tokenId ?? null,
    };
    this.#register(bank, command, false);
    this.#deliverPending(bank);
    return command;
  }

  /** Issues an OPEN_COMPARTMENT command. */
  issueOpen(
    bank: FakeBank,
    label: string,
    opts: { id?: string; ttlMs?: number; via?: string; depositId?: string } = {},
  ): LockerCommand {
    return this.issueCommand(bank, { kind: 'OPEN_COMPARTMENT', label, ...opts });
  }

  /** Issues a REVOKE_PICKUP_TOKEN command. */
  issueRevoke(bank: FakeBank, tokenId: string, label = bank.compartments[0]?.label ?? 'A01'): LockerCommand {
    return this.issueCommand(bank, { kind: 'REVOKE_PICKUP_TOKEN', label, tokenId, ttlMs: 3_600_000 });
  }

  /**
   * Sends a command object exactly as given (its ttlMs too: e.g. more than
   * 2^31), or again (a resend of one already delivered), to the live
   * connection's subscription.
   */
  deliver(bank: FakeBank, command: LockerCommand): void {
    if (!bank.commands.has(command.id)) this.#register(bank, command, true);
    const known = bank.commands.get(command.id)!;
    const live = this.#live.get(bank);
    if (live?.push) {
      if (known.outcome === null) known.status = 'DELIVERED';
      live.push({ ...command, status: 'DELIVERED' });
    } else if (known.outcome === null) {
      known.status = 'PENDING'; // sent when the controller subscribes
    }
  }

  /** Closes every controller socket with `code`, as a restarting server would. */
  closeAll(code = 1012, reason = 'Service Restart'): void {
    for (const c of this.#connections) c.socket.close(code, reason);
  }

  /** The operator rotated the pickup signing keys: connected controllers reconnect for a fresh ack. */
  rotatePickupKeys(): void {
    this.closeAll(4001, 'Pickup keys rotated');
  }

  /**
   * rotateDeviceToken: a new token and a new generation (its log starts
   * empty); the old token stops working at once, its socket closed with 4403.
   */
  rotateToken(bank: FakeBank): string {
    const token = `${bank.token.replace(/~\d+$/, '')}~${bank.generation + 1}`;
    this.banks.delete(bank.token);
    bank.token = token;
    bank.generation++;
    this.banks.set(token, bank);
    const live = this.#live.get(bank);
    if (live) {
      this.#live.delete(bank);
      live.socket.close(4403, 'Device token revoked');
      this.#scheduleOffline(bank);
    }
    return token;
  }

  async start(port = 0): Promise<void> {
    const kinds = (this.options.newerCommandKinds ?? []).join('\n  ');
    const text = kinds ? schemaText.replace(/enum CommandKind \{/, `enum CommandKind {\n  ${kinds}`) : schemaText;
    const schema = withoutMutations(buildSchema(text), this.options.omitOperations ?? []);
    const limits = this.limits;
    const http = createServer((_req, res) => {
      res.statusCode = 404;
      res.end();
    });
    // maxPayload: ws closes a socket sending a larger frame with 1009.
    const wss = new WebSocketServer({ server: http, path: '/graphql', maxPayload: limits.maxFrameBytes });
    const acceptedOrder = new WeakMap<object, number>();
    // Registered before useServer's listener: the order is taken when the socket is accepted.
    wss.on('connection', (socket) => acceptedOrder.set(socket, ++this.#acceptCounter));

    const roots = {
      query: {},
      mutation: {
        reportLockerEvents: (args: { events: unknown[] }, ctx: Connection) => this.#report(ctx, args.events),
        markLockerEventsLost: (args: { fromSeq: unknown; throughSeq: unknown; reason: string }, ctx: Connection) =>
          this.#markLost(ctx, args),
        reportControllerHealth: (args: { input: ControllerHealthInput }, ctx: Connection) =>
          this.#health(ctx, args.input),
        acknowledgeCommand: (args: { id: string; outcome: string; detail?: string | null }, ctx: Connection) =>
          this.#acknowledge(ctx, args),
      },
      subscription: {
        lockerCommands: (_args: unknown, ctx: Connection) => this.#commandStream(ctx),
      },
    };

    const connections = new WeakMap<object, Connection>();
    const disposable = useServer(
      {
        schema,
        roots,
        onConnect: (ctx) => {
          this.connectAttempts++;
          const socket = ctx.extra.socket;
          const params = (ctx.connectionParams ?? {}) as Record<string, unknown>;
          const invalid = this.#invalidInit(params);
          if (invalid) {
            socket.close(4400, invalid);
            return false; // already closing with 4400; graphql-ws's own 4403 is ignored
          }
          const token = params.deviceToken;
          const bank = typeof token === 'string' ? this.banks.get(token) : undefined;
          if (!bank) return false; // graphql-ws closes with 4403 Forbidden
          const order = acceptedOrder.get(socket) ?? ++this.#acceptCounter;
          const live = this.#live.get(bank);
          if (live && live.acceptedOrder > order) {
            // A late init on a socket accepted before the live one: never unseats it.
            socket.close(4002, 'Superseded by a newer connection');
            return false;
          }
          if (live) {
            this.#live.delete(bank);
            this.#connections.delete(live);
            live.socket.close(4000, 'Replaced by a newer connection');
          }
          const offered = typeof params.protocolVersion === 'number' ? params.protocolVersion : 1;
          const spoken = Math.min(offered, Math.max(...(this.options.protocolVersions ?? [1, 2])));
          const controller = (params.controller ?? {}) as Record<string, unknown>;
          const time = parseInstant(controller.time);
          const now = this.#now();
          const connection: Connection = {
            bank,
            generation: bank.generation,
            socket,
            acceptedOrder: order,
            protocolVersion: spoken,
            clockOffsetMs: time === null ? null : time - now,
          };
          bank.controller = {
            protocolVersion: spoken,
            model: typeof controller.model === 'string' ? controller.model : null,
            serial: typeof controller.serial === 'string' ? controller.serial : null,
            firmware: typeof controller.firmware === 'string' ? controller.firmware : null,
            capabilities: Array.isArray(controller.capabilities) ? (controller.capabilities as string[]) : [],
            clockOffsetMs: connection.clockOffsetMs,
          };
          connections.set(ctx.extra, connection);
          this.#connections.add(connection);
          this.#live.set(bank, connection);
          clearTimeout(this.#offlineTimers.get(bank));
          this.#offlineTimers.delete(bank);
          bank.status = 'ONLINE';
          return { ...this.#ack(bank, connection, now), ...this.options.ackExtra };
        },
        onSubscribe: (ctx, id, payload) => {
          const connection = connections.get(ctx.extra);
          if (!connection) return undefined;
          let document: DocumentNode;
          try {
            document = parse(payload.query);
          } catch (error) {
            return [coded((error as Error).message, 'GRAPHQL_PARSE_FAILED')];
          }
          // As the real server: a document refused before it runs carries a code.
          const invalid = validate(schema, document);
          if (invalid.length > 0) {
            return invalid.map(
              (e) =>
                new GraphQLError(e.message, {
                  nodes: e.nodes ?? null,
                  extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
                }),
            );
          }
          if (!selectsLockerCommands(document)) return undefined;
          if (connection.commandsOperation !== undefined) {
            return [
              coded('This connection already has a lockerCommands subscription; keep the first.', 'ALREADY_SUBSCRIBED'),
            ];
          }
          connection.commandsOperation = id;
          return undefined;
        },
        onComplete: (ctx, id) => {
          const connection = connections.get(ctx.extra);
          if (connection?.commandsOperation === id) delete connection.commandsOperation;
        },
        onNext: (_ctx, _id, _payload, _args, result) => {
          // Like the real server: a refusal while coercing variables (a label
          // that is not a string) is bad input, with a code.
          if (!('errors' in result) || !result.errors?.length) return undefined;
          return {
            ...result,
            errors: result.errors.map((e) =>
              e.extensions?.code === undefined
                ? new GraphQLError(e.message, {
                    nodes: e.nodes ?? null,
                    path: e.path ?? null,
                    extensions: { ...e.extensions, code: 'BAD_USER_INPUT' },
                  })
                : e,
            ),
          };
        },
        onClose: (ctx) => {
          const c = connections.get(ctx.extra);
          if (!c) return;
          this.#connections.delete(c);
          if (this.#live.get(c.bank) === c) {
            this.#live.delete(c.bank);
            this.#scheduleOffline(c.bank);
          }
        },
        context: (ctx) => connections.get(ctx.extra),
      },
      wss,
      limits.keepAliveMs,
    );

    await new Promise<void>((resolve) => http.listen(port || this.#port, '127.0.0.1', resolve));
    this.#port = (http.address() as AddressInfo).port;
    this.#http = http;
    this.#wss = wss;
    this.#disposeWs = async () => {
      await disposable.dispose();
    };
  }

  /** Stops listening and drops every connection (1001), like a server going down. */
  async stop(): Promise<void> {
    const http = this.#http;
    this.#http = undefined;
    await this.#disposeWs?.();
    for (const client of this.#wss?.clients ?? []) client.terminate();
    this.#connections.clear();
    this.#live.clear();
    for (const timer of this.#offlineTimers.values()) clearTimeout(timer);
    this.#offlineTimers.clear();
    if (http) {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
  }

  /** Starts again on the same port. */
  restart(): Promise<void> {
    return this.start(this.#port);
  }

  // --- connection ------------------------------------------------------------

  /** PROTOCOL.md 1: what makes a connection_init malformed (4400, the reason naming the field). */
  #invalidInit(params: Record<string, unknown>): string | null {
    const version = params.protocolVersion;
    if (version !== undefined && !(typeof version === 'number' && Number.isInteger(version) && version >= 1)) {
      return 'protocolVersion must be a whole number of at least 1';
    }
    const controller = params.controller;
    if (controller === undefined || controller === null) return null;
    if (typeof controller !== 'object' || Array.isArray(controller)) return 'controller must be an object';
    const c = controller as Record<string, unknown>;
    for (const field of ['model', 'serial', 'firmware'] as const) {
      const value = c[field];
      if (value === undefined || value === null) continue;
      if (typeof value !== 'string') return `controller.${field} must be a string`;
      if (value.length > INIT_TEXT_MAX) return `controller.${field} is at most ${INIT_TEXT_MAX} characters`;
    }
    const caps = c.capabilities;
    if (caps !== undefined && caps !== null) {
      if (!Array.isArray(caps) || caps.some((x) => typeof x !== 'string')) {
        return 'controller.capabilities must be a list of strings';
      }
      if (caps.length > 32) return 'controller.capabilities has at most 32 names';
      if ((caps as string[]).some((x) => x.length > 40))
        return 'controller.capabilities names are at most 40 characters';
    }
    if (c.time !== undefined && c.time !== null && parseInstant(c.time) === null) {
      return 'controller.time must be ISO 8601 with a zone';
    }
    return null;
  }

  #ack(bank: FakeBank, connection: Connection, now: number) {
    const v1 = {
      bankId: bank.id,
      bankName: bank.name,
      acceptedThroughSeq: bank.current.accepted,
      compartments: bank.compartments,
      pickupKeys: bank.pickupKeys,
      revokedPickupTokens: bank.revokedPickupTokens,
    };
    const versions = this.options.protocolVersions ?? [1, 2];
    if (!versions.includes(2)) return v1; // an older server: version 1 fields only
    return {
      protocolVersion: connection.protocolVersion,
      deprecation:
        connection.protocolVersion < 2
          ? 'Protocol version 1 is deprecated; update the controller firmware to speak version 2.'
          : null,
      server: {
        name: 'baylight',
        version: this.options.serverVersion ?? 'fake',
        protocolVersions: versions,
        time: new Date(now).toISOString(),
      },
      limits: this.limits,
      ...v1,
      generation: bank.generation,
      clockOffsetMs: connection.clockOffsetMs,
    };
  }

  #scheduleOffline(bank: FakeBank): void {
    clearTimeout(this.#offlineTimers.get(bank));
    const timer = setTimeout(() => {
      this.#offlineTimers.delete(bank);
      if (this.#live.has(bank)) return;
      bank.status = 'OFFLINE';
      // An OFFLINE bank keeps no commands.
      for (const c of bank.commands.values()) {
        if (c.status === 'PENDING' || c.status === 'DELIVERED') c.status = 'EXPIRED';
      }
    }, this.limits.offlineGraceMs);
    timer.unref();
    this.#offlineTimers.set(bank, timer);
  }

  // --- events ----------------------------------------------------------------

  #report(ctx: Connection, input: unknown[]) {
    const bank = ctx.bank;
    const limits = this.limits;
    bank.batchSizes.push(input.length);
    if (input.length === 0) throw badInput('Send at least one event.');
    const batchLimit = Math.min(limits.maxBatchEvents, this.options.batchLimit ?? Number.POSITIVE_INFINITY);
    if (input.length > batchLimit) {
      throw badInput(`At most ${batchLimit} events per call; split the batch.`, { limit: batchLimit });
    }
    const maxBytes = limits.maxBatchEvents * limits.maxEventBytes;
    if (bytesOf(input) > maxBytes) {
      throw badInput(`The batch is larger than ${maxBytes} bytes; send fewer events per call.`, { maxBytes });
    }
    const events = input as LockerEventInput[];
    events.forEach((e, index) => {
      if (!(typeof e.seq === 'number' && Number.isSafeInteger(e.seq) && e.seq >= 1)) {
        throw badInput(`events[${index}].seq must be a whole number from 1 to ${Number.MAX_SAFE_INTEGER}.`, {
          index,
          field: 'seq',
        });
      }
    });

    const log = bank.current;
    const now = this.#now();
    const sorted = [...events].sort((a, b) => a.seq - b.seq);
    // In a fresh generation the first batch fixes where numbering starts (PROTOCOL.md 3, Numbering).
    if (log.accepted === 0 && log.events.size === 0 && log.lost.length === 0 && sorted[0]) {
      log.accepted = sorted[0].seq - 1;
    }
    let stored = 0;
    let duplicates = 0;
    let resendFromSeq: number | null = null;
    const rejected: { seq: number; reason: EventRejection; message: string }[] = [];
    const flagged: { seq: number; flag: EventFlag; message: string }[] = [];
    const conflicts: { seq: number; storedKind: string; storedLabel: string | null; storedAt: string }[] = [];
    for (const e of sorted) {
      if (e.seq <= log.accepted) {
        const held = log.events.get(e.seq);
        // Seqs inside a lost range (or before a generation's first) are duplicates, never stored.
        if (!held || held.kind === 'EVENTS_LOST' || this.#sameContent(held.sent, e)) {
          duplicates++;
          bank.duplicateSeqs.push(e.seq);
        } else {
          bank.conflictSeqs.push(e.seq);
          conflicts.push({
            seq: e.seq,
            storedKind: held.reportedKind,
            storedLabel: held.label ?? null,
            storedAt: held.occurredAt,
          });
        }
      } else if (e.seq === log.accepted + 1) {
        const event = this.#store(ctx, e, now);
        log.events.set(e.seq, event);
        log.accepted = e.seq;
        stored++;
        if (event.rejection)
          rejected.push({ seq: e.seq, reason: event.rejection, message: REJECTIONS[event.rejection] });
        for (const flag of event.flags) flagged.push({ seq: e.seq, flag, message: FLAGS[flag] });
      } else {
        resendFromSeq = log.accepted + 1;
        break;
      }
    }
    const fate = this.options.beforeReply?.(bank, events);
    if (fate === 'drop') ctx.socket.terminate(); // like a network drop: the client sees 1006
    if (fate) return new Promise(() => {}); // never answers
    return { acceptedThroughSeq: log.accepted, resendFromSeq, stored, duplicates, rejected, flagged, conflicts };
  }

  #sameContent(a: LockerEventInput, b: LockerEventInput): boolean {
    return (
      String(a.kind) === String(b.kind) &&
      String(a.label ?? '').toUpperCase() === String(b.label ?? '').toUpperCase() &&
      a.at === b.at &&
      (a.code ?? null) === (b.code ?? null) &&
      (a.detail ?? null) === (b.detail ?? null)
    );
  }

  /** One event as the server stores it: a rejection (stored, not applied) or flags (stored and applied). */
  #store(ctx: Connection, e: LockerEventInput, now: number): StoredEvent {
    const limits = this.limits;
    const sent = { ...e };
    const reportedKind = String(e.kind).slice(0, limits.maxKindLength);
    const kindValid = typeof e.kind === 'string' && e.kind.length <= limits.maxKindLength && KIND_NAME.test(e.kind);
    const known = kindValid && KNOWN_KINDS.has(e.kind);
    const bankLevel = known && BANK_KINDS.has(e.kind);
    const rawLabel = typeof e.label === 'string' && e.label.length > 0 ? e.label.toUpperCase() : undefined;
    const label = rawLabel?.slice(0, limits.maxLabelLength);
    const at = parseInstant(e.at);
    let rejection: EventRejection | null = null;
    if (!known) rejection = 'UNKNOWN_KIND';
    else if (!bankLevel && (rawLabel === undefined || rawLabel.length > limits.maxLabelLength))
      rejection = 'INVALID_LABEL';
    else if (!bankLevel && !ctx.bank.compartments.some((c) => c.label.toUpperCase() === rawLabel)) {
      rejection = 'UNKNOWN_COMPARTMENT';
    } else if (at === null) rejection = 'INVALID_TIME';
    else if (bytesOf(e) > limits.maxEventBytes) rejection = 'TOO_LARGE';

    const flags: EventFlag[] = [];
    let detail = typeof e.detail === 'string' ? e.detail : undefined;
    let code = typeof e.code === 'string' ? e.code : undefined;
    if (rejection === 'TOO_LARGE') {
      detail = detail?.slice(0, limits.maxDetailLength);
    } else if ((detail?.length ?? 0) > limits.maxDetailLength || (code?.length ?? 0) > limits.maxCodeLength) {
      detail = detail?.slice(0, limits.maxDetailLength);
      code = code?.slice(0, limits.maxCodeLength);
      if (!rejection) flags.push('TRUNCATED');
    }
    let occurred = at ?? now;
    if (!rejection && at !== null) {
      const offset = ctx.clockOffsetMs;
      if (offset !== null && Math.abs(offset) > limits.clockToleranceSeconds * 1000) {
        occurred = at - offset;
        flags.push('CLOCK_CORRECTED');
      }
      if (occurred > now + limits.clockMaxAheadSeconds * 1000 || occurred < now - limits.eventMaxAgeHours * 3_600_000) {
        occurred = now;
        flags.push('CLOCK_OUT_OF_RANGE');
      }
    }
    const stored: StoredEvent = {
      seq: e.seq,
      generation: ctx.bank.generation,
      kind: rejection === 'UNKNOWN_KIND' ? 'UNRECOGNISED' : String(e.kind),
      reportedKind,
      at: String(e.at),
      occurredAt: new Date(occurred).toISOString(),
      rejection,
      flags,
      sent,
    };
    if (label !== undefined) stored.label = label;
    if (code !== undefined) stored.code = code;
    if (detail !== undefined) stored.detail = detail;
    return stored;
  }

  #markLost(ctx: Connection, args: { fromSeq: unknown; throughSeq: unknown; reason: string }) {
    const log = ctx.bank.current;
    const { fromSeq, throughSeq } = args;
    const reason = args.reason.trim();
    if (!Number.isSafeInteger(fromSeq) || fromSeq !== log.accepted + 1) {
      throw badInput(`fromSeq must be acceptedThroughSeq + 1 (${log.accepted + 1}).`, {
        acceptedThroughSeq: log.accepted,
        field: 'fromSeq',
      });
    }
    if (!Number.isSafeInteger(throughSeq) || (throughSeq as number) < fromSeq) {
      throw badInput(`throughSeq must be a whole number from fromSeq to ${Number.MAX_SAFE_INTEGER}.`, {
        field: 'throughSeq',
      });
    }
    if (reason.length < 1 || reason.length > 500) throw badInput('reason is 1–500 characters.', { field: 'reason' });
    const through = throughSeq as number;
    log.lost.push({ fromSeq, throughSeq: through, reason });
    // One EVENTS_LOST entry in the bank's log, at the range's last seq.
    const now = new Date(this.#now()).toISOString();
    const detail = `#${fromSeq}–#${through} lost: ${reason}`;
    log.events.set(through, {
      seq: through,
      generation: ctx.bank.generation,
      kind: 'EVENTS_LOST',
      reportedKind: 'EVENTS_LOST',
      at: now,
      occurredAt: now,
      detail,
      rejection: null,
      flags: [],
      sent: { seq: through, kind: 'EVENTS_LOST', at: now, detail },
    });
    log.accepted = through;
    return {
      acceptedThroughSeq: through,
      resendFromSeq: null,
      stored: 0,
      duplicates: 0,
      rejected: [],
      flagged: [],
      conflicts: [],
    };
  }

  #health(ctx: Connection, input: ControllerHealthInput) {
    const at = parseInstant(input.at);
    if (at === null) throw badInput('at must be an ISO 8601 time with a zone.', { field: 'at' });
    const now = this.#now();
    const offset = at - now;
    ctx.clockOffsetMs = offset;
    if (ctx.bank.controller) ctx.bank.controller.clockOffsetMs = offset;
    ctx.bank.health.push({ ...input, receivedAt: new Date(now).toISOString() });
    return { serverTime: new Date(now).toISOString(), clockOffsetMs: offset };
  }

  // --- commands --------------------------------------------------------------

  #register(bank: FakeBank, command: LockerCommand, fixedTtl: boolean): void {
    const expiresAtMs = Date.parse(command.expiresAt);
    bank.commands.set(command.id, {
      command,
      expiresAtMs: fixedTtl ? this.#now() + command.ttlMs : expiresAtMs,
      fixedTtl,
      status: 'PENDING',
      outcome: null,
      outcomeDetail: null,
      acknowledgedAt: null,
      acknowledgedLate: false,
    });
  }

  /** Commands not yet answered and not expired, oldest first; expired ones are marked so and never sent. */
  #pending(bank: FakeBank): FakeCommand[] {
    const now = this.#now();
    const open: FakeCommand[] = [];
    for (const c of bank.commands.values()) {
      if (c.outcome !== null || (c.status !== 'PENDING' && c.status !== 'DELIVERED')) continue;
      if (c.expiresAtMs <= now) c.status = 'EXPIRED';
      else open.push(c);
    }
    return open;
  }

  #wireCommand(c: FakeCommand): LockerCommand {
    const ttlMs = c.fixedTtl ? c.command.ttlMs : Math.max(0, c.expiresAtMs - this.#now());
    return { ...c.command, ttlMs, status: 'DELIVERED' };
  }

  #deliverPending(bank: FakeBank): void {
    const live = this.#live.get(bank);
    if (!live?.push) return; // kept for the subscription (the bank is ONLINE)
    for (const c of this.#pending(bank)) {
      if (c.status === 'PENDING') {
        c.status = 'DELIVERED';
        live.push(this.#wireCommand(c));
      }
    }
  }

  #acknowledge(ctx: Connection, args: { id: string; outcome: string; detail?: string | null }) {
    const c = ctx.bank.commands.get(args.id);
    if (!c) throw coded('No such command for this bank.', 'NOT_FOUND');
    const detail = args.detail?.slice(0, 500) ?? null;
    ctx.bank.acks.push({ id: args.id, outcome: args.outcome, ...(detail !== null ? { detail } : {}) });
    // The first answer counts.
    if (c.outcome === null) {
      const now = this.#now();
      c.outcome = args.outcome;
      c.outcomeDetail = detail;
      c.acknowledgedAt = new Date(now).toISOString();
      c.acknowledgedLate = now > c.expiresAtMs;
      c.status =
        args.outcome === 'OPENED' || args.outcome === 'DONE'
          ? 'DONE'
          : args.outcome === 'EXPIRED'
            ? 'EXPIRED'
            : 'FAILED';
    }
    return {
      command: {
        ...c.command,
        ttlMs: Math.max(0, c.expiresAtMs - this.#now()),
        status: c.status,
        outcome: c.outcome,
        outcomeDetail: c.outcomeDetail,
        acknowledgedAt: c.acknowledgedAt,
        acknowledgedLate: c.acknowledgedLate,
      },
    };
  }

  #commandStream(ctx: Connection): AsyncIterableIterator<{ lockerCommands: LockerCommand }> {
    // Pending, unexpired commands first (delivered-but-unanswered ones again: the controller de-duplicates).
    const queue: LockerCommand[] = this.#pending(ctx.bank).map((c) => {
      c.status = 'DELIVERED';
      return this.#wireCommand(c);
    });
    let wake: (() => void) | undefined;
    let done = false;
    ctx.push = (command) => {
      queue.push(command);
      wake?.();
    };
    const iterator: AsyncIterableIterator<{ lockerCommands: LockerCommand }> = {
      async next() {
        while (!done && queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
        const command = queue.shift();
        if (done || !command) return { done: true, value: undefined };
        return { done: false, value: { lockerCommands: command } };
      },
      return() {
        done = true;
        delete ctx.push;
        wake?.();
        return Promise.resolve({ done: true, value: undefined });
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }
}

const REJECTIONS: Record<EventRejection, string> = {
  UNKNOWN_COMPARTMENT: 'No compartment with that label in this bank.',
  UNKNOWN_KIND: 'A kind this server does not know; stored with its name.',
  INVALID_TIME: '`at` is not an ISO 8601 time with a zone; stored with the receipt time.',
  INVALID_LABEL: 'A compartment kind without a label, or a label longer than 16 characters.',
  TOO_LARGE: 'The event is larger than limits.maxEventBytes; stored with its detail cut.',
};

const FLAGS: Record<EventFlag, string> = {
  TRUNCATED: '`detail` or `code` was longer than its limit and was cut.',
  CLOCK_CORRECTED: "The controller's clock is off: `at` corrected by the measured offset.",
  CLOCK_OUT_OF_RANGE: "`at` is outside the sanity window: stored with the server's receipt time.",
};
