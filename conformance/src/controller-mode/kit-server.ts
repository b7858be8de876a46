/**
 * The kit's strict protocol server: graphql-ws (subprotocol
 * graphql-transport-ws) on `ws`, one bank, one device token, the schema of the
 * repository. It answers as PROTOCOL.md says a Baylight server answers, and
 * records everything the controller does, so the scenarios (run.ts) can
 * provoke situations and judge the controller's behaviour.
 *
 * What the scenarios can do to the controller: refuse new connections (the
 * server is unreachable), close the live one with any code or cut it without
 * a close frame, answer an init with 4002, drop the answer to a batch or to an
 * acknowledgement (as a lost link would), announce another server time, lose
 * the end of its log (a restored backup), or find seqs already taken (another
 * device using the token).
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import {
  GraphQLError,
  Kind,
  parse,
  validate,
  type DocumentNode,
  type FieldNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { handleProtocols, makeServer, type Context } from 'graphql-ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { generateSigningKey, type SigningKey } from '../jws.js';
import { isZonedTime, PROTOCOL_VERSION, rawText, type Limits } from '../protocol.js';
import { BatchRefused, KitJournal, type EventIn, type ReportAnswer } from './journal.js';
import { deviceSchema, errorWithCode, type Args } from './schema.js';

export const KIT_BANK_ID = 'bank_conformance_kit';
export const KIT_BANK_NAME = 'Conformance kit bank';
export const LABELS = Array.from({ length: 16 }, (_, i) => `A${String(i + 1).padStart(2, '0')}`);

/** What the kit's server announces: short timings, so a whole run stays within about a minute. */
export const KIT_LIMITS: Limits = {
  maxBatchEvents: 5,
  maxEventBytes: 1536,
  maxFrameBytes: 1_048_576,
  maxLabelLength: 16,
  maxDetailLength: 500,
  maxCodeLength: 32,
  maxKindLength: 64,
  keepAliveMs: 1500,
  offlineGraceMs: 4000,
  healthIntervalSeconds: 2,
  clockToleranceSeconds: 30,
  clockMaxAheadSeconds: 300,
  eventMaxAgeHours: 720,
  qrClockSkewSeconds: 300,
};

export type CommandStatus = 'PENDING' | 'DELIVERED' | 'DONE' | 'FAILED' | 'EXPIRED';

export interface KitCommand {
  id: string;
  kind: string;
  compartmentLabel: string;
  issuedAt: Date;
  /** When it really expires: ttlMs is counted from this. */
  expiresAtMs: number;
  /** What `expiresAt` says, when the scenario shows a controller a wall clock that disagrees. */
  displayExpiresAt?: Date;
  /** Sent with this ttlMs whatever the expiry (e.g. 0: already run out). */
  forceTtlMs?: number;
  /** Delivered even though expired (the real server never does): once. */
  deliverExpired?: boolean;
  tokenId: string | null;
  depositId: string | null;
  via: string | null;
  status: CommandStatus;
  outcome: string | null;
  outcomeDetail: string | null;
  acknowledgedAt: Date | null;
  acknowledgedLate: boolean;
  deliveries: { conn: number; at: number }[];
  answers: { conn: number; at: number; outcome: string; detail: string | null; dropped: boolean }[];
  /** Swallow the next acknowledgement (never answer it, keep the command pending) and cut the link. */
  dropNextAnswer?: boolean;
  /** Deliver again on the next lockerCommands subscription, answered or not (de-duplication check). */
  redeliver?: boolean;
}

export interface ReportRecord {
  conn: number;
  at: number;
  events: EventIn[];
  answer?: ReportAnswer;
  error?: string;
  answeredAt?: number;
  dropped: boolean;
}

export interface OpRecord {
  conn: number;
  id: string;
  at: number;
  field: string;
  query: string;
  variables: Record<string, unknown>;
  /** Argument values written into the document instead of passed as variables. */
  inlineArguments: string[];
}

export interface Conn {
  id: number;
  ws: WebSocket;
  acceptedAt: number;
  protocol: string;
  init?: Record<string, unknown>;
  initAt?: number;
  ack?: Record<string, unknown>;
  ackedAt?: number;
  closedAt?: number;
  closeCode?: number;
  closeReason?: string;
  closedBy?: 'kit' | 'controller';
  /** The close code the kit sent, and when. */
  kitClose?: { code: number; at: number };
  /** A protocol violation graphql-ws closed the socket for (4400, 4401, 4408, 4409, 4429, 4406). */
  violation?: string;
  commandsOpIds: string[];
  commandsSubscribedAt?: number;
  push?: (command: KitCommand) => void;
  ops: OpRecord[];
  lastMessageAt: number;
  pings: number;
  pongs: number;
  missedPong: boolean;
}

export interface TraceEntry {
  t: number;
  conn?: number;
  what: string;
}

interface KitCtx {
  conn: Conn;
  opId: string;
}

const kitCloseCodes = new Set([4400, 4401, 4406, 4408, 4409, 4429]);

export interface KitServerOptions {
  token?: string;
  limits?: Limits;
  /** Called for every trace line (--verbose). */
  onTrace?: (entry: TraceEntry) => void;
}

export class KitServer extends EventEmitter {
  readonly token: string;
  readonly limits: Limits;
  readonly started = Date.now();
  readonly journal: KitJournal;
  readonly conns: Conn[] = [];
  readonly reports: ReportRecord[] = [];
  readonly ops: OpRecord[] = [];
  readonly commands = new Map<string, KitCommand>();
  readonly trace: TraceEntry[] = [];
  readonly upgrades: { at: number; refused: boolean }[] = [];
  readonly health: { conn: number; at: number; input: Record<string, unknown> }[] = [];
  readonly lost: { conn: number; at: number; from: unknown; through: unknown; reason: unknown; error?: string }[] = [];
  readonly qrRedeems: { conn: number; at: number; token: string }[] = [];
  /** Rule breaches seen while serving, by check id (judged in run.ts). */
  readonly breaches = new Map<string, string[]>();

  // --- what the scenarios set ------------------------------------------------
  refuseConnections = false;
  /** One-shot: how to answer the next connection_init instead of acking it. */
  nextInitClose: { code: number; reason: string } | undefined;
  /** Added to the server's clock in connection_ack.server.time (and QR expiry). */
  serverShiftMs = 0;
  /** Take the next batch as lost on the way: not stored, never answered, then the link is cut. */
  dropNextReport = false;
  /** Deposits per door, as connection_ack states them. */
  readonly deposits = new Map<string, string | null>(LABELS.map((l) => [l, null]));
  readonly revokedTokens: string[] = [];
  /** Tokens redeemPickupQr accepts online: token → door. */
  readonly onlineQr = new Map<string, { label: string; used: boolean }>();
  /** Signing keys: the one that signs now, one rotated out that still verifies, one retired. */
  readonly keys: { current: SigningKey; retiring: SigningKey; retired: SigningKey };
  readonly keyRetiresAt: { retiring: Date; retired: Date };

  // --- internals ---------------------------------------------------------------
  #http: Server | undefined;
  #wss: WebSocketServer | undefined;
  #schema: GraphQLSchema;
  #live: Conn | undefined;
  #nextConn = 1;
  /** The highest acceptedThroughSeq the controller has certainly received (for "no resend after ack"). */
  #knownThrough = 0;
  #pendingKnown = new Map<number, number>();
  readonly #onTrace: ((entry: TraceEntry) => void) | undefined;

  constructor(options: KitServerOptions = {}) {
    super();
    this.setMaxListeners(100);
    this.token = options.token ?? `bld_kit_${randomBytes(24).toString('base64url')}`;
    this.limits = options.limits ?? KIT_LIMITS;
    this.#onTrace = options.onTrace;
    this.journal = new KitJournal(this.limits, () => new Set(LABELS));
    this.keys = {
      current: generateSigningKey('kit-key-3'),
      retiring: generateSigningKey('kit-key-2'),
      retired: generateSigningKey('kit-key-1'),
    };
    this.keyRetiresAt = {
      retiring: new Date(Date.now() + 24 * 3_600_000),
      retired: new Date(Date.now() - 24 * 3_600_000),
    };
    this.#schema = deviceSchema<KitCtx>({
      mutation: {
        reportLockerEvents: (ctx, args) => this.#report(ctx, args),
        markLockerEventsLost: (ctx, args) => this.#markLost(ctx, args),
        reportControllerHealth: (ctx, args) => this.#health(ctx, args),
        acknowledgeCommand: (ctx, args) => this.#acknowledge(ctx, args),
        redeemPickupCode: () => ({ __typename: 'PickupRefused', message: 'That code is not valid here.' }),
        redeemPickupQr: (ctx, args) => this.#redeemQr(ctx, args),
      },
      lockerCommands: (ctx) => this.#commandStream(ctx),
    });
  }

  /** Milliseconds since the kit started (trace times). */
  now(): number {
    return Date.now() - this.started;
  }

  serverNow(): number {
    return Date.now() + this.serverShiftMs;
  }

  note(what: string, conn?: number): void {
    const entry: TraceEntry = { t: this.now(), what, ...(conn !== undefined ? { conn } : {}) };
    this.trace.push(entry);
    this.#onTrace?.(entry);
    this.emit('change');
  }

  breach(check: string, text: string): void {
    const list = this.breaches.get(check) ?? [];
    if (list.length < 20) list.push(text);
    this.breaches.set(check, list);
  }

  get live(): Conn | undefined {
    return this.#live && this.#live.closedAt === undefined ? this.#live : undefined;
  }

  /** Resolves once `predicate` holds (checked on every change), or with false after `timeoutMs`. */
  waitFor(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
    if (predicate()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.off('change', onChange);
        resolve(ok);
      };
      const onChange = () => {
        if (predicate()) done(true);
      };
      const timer = setTimeout(() => done(predicate()), timeoutMs);
      this.on('change', onChange);
    });
  }

  // ===========================================================================
  // Listening
  // ===========================================================================

  async start(): Promise<string> {
    const http = createServer((_req, res) => res.writeHead(404).end());
    const wss = new WebSocketServer({ noServer: true, maxPayload: this.limits.maxFrameBytes, handleProtocols });
    http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const refused = this.refuseConnections || new URL(req.url ?? '/', 'http://kit').pathname !== '/graphql';
      this.upgrades.push({ at: this.now(), refused });
      this.note(refused ? 'connection attempt refused (server unreachable)' : 'connection attempt');
      if (refused) {
        socket.destroy();
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => this.#opened(ws));
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    this.#http = http;
    this.#wss = wss;
    const { port } = http.address() as AddressInfo;
    return `ws://127.0.0.1:${port}/graphql`;
  }

  async stop(): Promise<void> {
    for (const conn of this.conns) if (conn.closedAt === undefined) conn.ws.terminate();
    this.#wss?.close();
    await new Promise<void>((resolve) => (this.#http ? this.#http.close(() => resolve()) : resolve()));
    this.#http?.closeAllConnections?.();
  }

  /** Closes the live connection with a close frame. */
  closeLive(code: number, reason: string): Conn | undefined {
    const conn = this.live;
    if (conn) this.#close(conn, code, reason);
    return conn;
  }

  /** Cuts the live connection without a close frame (the controller sees 1006). */
  cutLive(): Conn | undefined {
    const conn = this.live;
    if (conn) this.#terminate(conn, 'link cut by the kit (no close frame)');
    return conn;
  }

  #close(conn: Conn, code: number, reason: string): void {
    if (conn.closedAt !== undefined || conn.ws.readyState > 1) return;
    conn.closedBy = 'kit';
    conn.kitClose = { code, at: this.now() };
    this.note(`kit closes with ${code} (${reason})`, conn.id);
    conn.ws.close(code, reason);
  }

  #terminate(conn: Conn, why: string): void {
    if (conn.closedAt !== undefined) return;
    conn.closedBy = 'kit';
    this.note(why, conn.id);
    conn.ws.terminate();
  }

  #opened(ws: WebSocket): void {
    const conn: Conn = {
      id: this.#nextConn++,
      ws,
      acceptedAt: this.now(),
      protocol: ws.protocol,
      commandsOpIds: [],
      ops: [],
      lastMessageAt: this.now(),
      pings: 0,
      pongs: 0,
      missedPong: false,
    };
    this.conns.push(conn);
    this.note(`socket accepted (subprotocol "${ws.protocol}")`, conn.id);

    const server = makeServer<Record<string, unknown>, { conn: Conn }>({
      schema: this.#schema,
      connectionInitWaitTimeout: 3000,
      onConnect: (ctx) => this.#connect(ctx),
      onSubscribe: (ctx, id, payload) => this.#subscribe(ctx.extra.conn, ctx, id, payload),
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors?.length ? { ...result, errors: result.errors.map(formatError) } : undefined,
      onError: (_ctx, _id, _payload, errors) => errors.map(formatError),
    });

    // Keep-alive as PROTOCOL.md 2: a ping every keepAliveMs; no pong by the next one ends the socket.
    let awaitingPong = false;
    const pinger = setInterval(() => {
      if (ws.readyState !== ws.OPEN) return;
      if (awaitingPong) {
        conn.missedPong = true;
        this.#terminate(conn, `no pong within ${this.limits.keepAliveMs} ms: socket terminated`);
        return;
      }
      awaitingPong = true;
      conn.pings++;
      ws.ping();
    }, this.limits.keepAliveMs);
    ws.on('pong', () => {
      awaitingPong = false;
      conn.pongs++;
      conn.lastMessageAt = this.now();
    });

    const closed = server.opened(
      {
        protocol: ws.protocol,
        send: (data) =>
          new Promise<void>((resolve) => {
            if (ws.readyState !== ws.OPEN) return resolve();
            ws.send(data, () => resolve());
          }),
        close: (code, reason) => {
          if (code !== undefined && kitCloseCodes.has(code)) conn.violation ??= `${code} ${reason ?? ''}`.trim();
          this.#close(conn, code ?? 1000, reason ?? '');
        },
        onMessage: (cb) =>
          ws.on('message', (data) => {
            conn.lastMessageAt = this.now();
            this.#beforeMessage(conn);
            cb(rawText(data)).catch((err: unknown) => {
              this.note(`kit: message handling failed: ${err instanceof Error ? err.message : String(err)}`, conn.id);
              this.#close(conn, 4400, 'Invalid message received');
            });
          }),
      },
      { conn },
    );
    ws.once('close', (code, reason) => {
      clearInterval(pinger);
      conn.closedAt = this.now();
      conn.closeCode = code;
      conn.closeReason = String(reason);
      conn.closedBy ??= 'controller';
      this.note(`socket closed ${code}${String(reason) ? ` (${String(reason)})` : ''} by ${conn.closedBy}`, conn.id);
      if (this.#live === conn) this.#live = undefined;
      void closed(code, String(reason));
    });
    ws.on('error', (err) => this.note(`socket error: ${err.message}`, conn.id));
  }

  // ===========================================================================
  // connection_init → connection_ack
  // ===========================================================================

  async #connect(ctx: Context<Record<string, unknown>, { conn: Conn }>): Promise<Record<string, unknown> | boolean> {
    const conn = ctx.extra.conn;
    const payload = (ctx.connectionParams ?? {}) as Record<string, unknown>;
    conn.init = payload;
    conn.initAt = this.now();
    this.note(`connection_init ${JSON.stringify(redact(payload, this.token)).slice(0, 300)}`, conn.id);

    const malformed = malformedInit(payload);
    if (malformed) {
      conn.violation = `4400 ${malformed}`;
      this.#close(conn, 4400, malformed);
      return new Promise(() => {}); // the socket is closing; never ack
    }
    if (payload.deviceToken !== this.token) {
      this.note('wrong or missing device token: 4403', conn.id);
      return false;
    }
    const refusal = this.nextInitClose;
    if (refusal) {
      this.nextInitClose = undefined;
      this.#close(conn, refusal.code, refusal.reason);
      return new Promise(() => {});
    }
    // One live connection per token, ordered by when the socket was accepted (PROTOCOL.md 2).
    const live = this.live;
    if (live && live !== conn) {
      if (live.id < conn.id) this.#close(live, 4000, 'replaced by a newer connection');
      else {
        this.#close(conn, 4002, 'superseded by a newer connection');
        return new Promise(() => {});
      }
    }
    this.#live = conn;
    const ack = this.#ack(payload);
    conn.ack = ack;
    conn.ackedAt = this.now();
    this.#pendingKnown.set(conn.id, this.journal.acceptedThroughSeq);
    this.note(
      `connection_ack (acceptedThroughSeq ${this.journal.acceptedThroughSeq}, server time shifted ${this.serverShiftMs} ms)`,
      conn.id,
    );
    return ack;
  }

  #ack(init: Record<string, unknown>): Record<string, unknown> {
    const stated = init.protocolVersion;
    const version = typeof stated === 'number' ? Math.min(stated, PROTOCOL_VERSION) : 1;
    const controller = (init.controller ?? {}) as Record<string, unknown>;
    const serverNow = this.serverNow();
    const time =
      typeof controller.time === 'string' && isZonedTime(controller.time) ? Date.parse(controller.time) : null;
    return {
      protocolVersion: version,
      deprecation: version === 1 ? 'Protocol version 1 is deprecated: update the firmware to version 2.' : null,
      server: {
        name: 'baylight',
        version: 'conformance-kit',
        protocolVersions: [1, 2],
        time: new Date(serverNow).toISOString(),
      },
      limits: this.limits,
      bankId: KIT_BANK_ID,
      bankName: KIT_BANK_NAME,
      generation: 1,
      acceptedThroughSeq: this.journal.acceptedThroughSeq,
      clockOffsetMs: time === null ? null : time - serverNow,
      compartments: LABELS.map((label, i) => ({
        label,
        size: i % 2 ? 'M' : 'S',
        hasCharging: false,
        depositId: this.deposits.get(label) ?? null,
      })),
      pickupKeys: [
        { kid: this.keys.current.kid, alg: 'EdDSA', jwk: this.keys.current.jwk, retiresAt: null },
        {
          kid: this.keys.retiring.kid,
          alg: 'EdDSA',
          jwk: this.keys.retiring.jwk,
          retiresAt: this.keyRetiresAt.retiring.toISOString(),
        },
        {
          kid: this.keys.retired.kid,
          alg: 'EdDSA',
          jwk: this.keys.retired.jwk,
          retiresAt: this.keyRetiresAt.retired.toISOString(),
        },
      ],
      revokedPickupTokens: [...this.revokedTokens],
    };
  }

  // ===========================================================================
  // Operations
  // ===========================================================================

  /**
   * What the controller has certainly read: the ack, once it sends anything
   * after it (an ack only ever lowers what counts as acknowledged: a restored
   * server asks again from where its log ends). Answers: see #answersRead, and
   * an answer counts once the socket stayed open 300 ms after it.
   */
  #beforeMessage(conn: Conn): void {
    const fromAck = this.#pendingKnown.get(conn.id);
    if (fromAck !== undefined && conn.ackedAt !== undefined) {
      this.#pendingKnown.delete(conn.id);
      // Only an answer acknowledges events; an ack can only take that back (a restored server
      // asks for events again from where its log ends).
      this.#knownThrough = Math.min(this.#knownThrough, fromAck);
    }
  }

  /**
   * A batch sent on a connection after answers to earlier ones there: the
   * controller has read those answers (one batch at a time), so what they
   * acknowledged is known to it.
   */
  #answersRead(conn: Conn): void {
    for (const r of this.reports) {
      if (r.conn === conn.id && r.answer && r.answeredAt !== undefined) {
        this.#knownThrough = Math.max(this.#knownThrough, r.answer.acceptedThroughSeq);
      }
    }
  }

  #subscribe(
    conn: Conn,
    ctx: Context<Record<string, unknown>, { conn: Conn }>,
    id: string,
    payload: { query: string; variables?: Record<string, unknown> | null; operationName?: string | null },
  ) {
    let document: DocumentNode;
    try {
      document = parse(payload.query);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.note(`subscribe ${id}: parse error ${message}`, conn.id);
      return [errorWithCode(message, 'GRAPHQL_PARSE_FAILED')];
    }
    const operation = document.definitions.find(
      (d): d is OperationDefinitionNode =>
        d.kind === Kind.OPERATION_DEFINITION && (!payload.operationName || d.name?.value === payload.operationName),
    );
    const fields = (operation?.selectionSet.selections ?? []).filter((s): s is FieldNode => s.kind === Kind.FIELD);
    const field = fields.map((f) => f.name.value).join(',') || '(none)';
    const op: OpRecord = {
      conn: conn.id,
      id,
      at: this.now(),
      field,
      query: payload.query,
      variables: payload.variables ?? {},
      inlineArguments: fields.flatMap((f) =>
        (f.arguments ?? [])
          .filter((a) => a.value.kind !== Kind.VARIABLE)
          .map((a) => `${f.name.value}(${a.name.value}: …)`),
      ),
    };
    conn.ops.push(op);
    this.ops.push(op);
    this.note(`subscribe ${id}: ${field} ${JSON.stringify(payload.variables ?? {}).slice(0, 200)}`, conn.id);
    const errors = validate(this.#schema, document);
    if (errors.length) {
      this.note(`subscribe ${id}: invalid: ${errors.map((e) => e.message).join('; ')}`, conn.id);
      return errors.map(
        (e) => new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }),
      );
    }
    if (field === 'lockerCommands') {
      const running = conn.commandsOpIds.some((opId) => opId in ctx.subscriptions && opId !== id);
      if (running) {
        this.note(`second lockerCommands: ALREADY_SUBSCRIBED`, conn.id);
        return [errorWithCode('lockerCommands is already subscribed on this connection.', 'ALREADY_SUBSCRIBED')];
      }
      conn.commandsOpIds.push(id);
    }
    return {
      schema: this.#schema,
      document,
      operationName: payload.operationName ?? null,
      variableValues: payload.variables ?? null,
      contextValue: { conn, opId: id } satisfies KitCtx,
    };
  }

  // --- events -----------------------------------------------------------------

  async #report(ctx: KitCtx, args: Args): Promise<ReportAnswer> {
    const { conn } = ctx;
    const events = (args.events ?? []) as EventIn[];
    const record: ReportRecord = { conn: conn.id, at: this.now(), events, dropped: false };
    this.#answersRead(conn);
    this.#judgeBatch(conn, events);
    this.reports.push(record);
    if (this.dropNextReport) {
      // As if the request was lost on the way: not stored, never answered, and the link goes.
      this.dropNextReport = false;
      record.dropped = true;
      this.note(`kit drops this batch (seqs ${describeSeqs(events)}) unanswered and cuts the link`, conn.id);
      setTimeout(() => this.#terminate(conn, 'link cut by the kit after dropping a batch'), 800);
      return new Promise(() => {});
    }
    let answer: ReportAnswer;
    try {
      answer = this.journal.report(events);
    } catch (err) {
      if (err instanceof BatchRefused) {
        record.error = err.message;
        record.answeredAt = this.now();
        this.note(`batch refused: ${err.message}`, conn.id);
        throw errorWithCode(err.message, 'BAD_USER_INPUT', err.extensions);
      }
      throw err;
    }
    record.answer = answer;
    this.note(
      `reportLockerEvents seqs ${describeSeqs(events)} → acceptedThroughSeq ${answer.acceptedThroughSeq}` +
        (answer.resendFromSeq !== null ? `, resendFromSeq ${answer.resendFromSeq}` : '') +
        (answer.conflicts.length ? `, conflicts ${answer.conflicts.map((c) => c.seq).join(',')}` : '') +
        (answer.rejected.length ? `, rejected ${answer.rejected.map((r) => `${r.seq} ${r.reason}`).join(',')}` : ''),
      conn.id,
    );
    // A server takes a moment to store a batch: a controller that sends the next one before the answer is seen.
    await sleep(40);
    record.answeredAt = this.now();
    setTimeout(() => {
      if (conn.closedAt === undefined) this.#knownThrough = Math.max(this.#knownThrough, answer.acceptedThroughSeq);
    }, 300).unref();
    return answer;
  }

  /** Controller rules a batch must keep (PROTOCOL.md 3, 4), recorded as breaches. */
  #judgeBatch(conn: Conn, events: EventIn[]): void {
    const inFlight = this.reports.filter((r) => r.conn === conn.id && r.answeredAt === undefined && !r.dropped);
    if (inFlight.length) {
      this.breach(
        'C.events.one-batch',
        `connection #${conn.id}: a batch (seqs ${describeSeqs(events)}) was sent while the batch of seqs ` +
          `${describeSeqs(inFlight[0]!.events)} was still unanswered`,
      );
    }
    const { maxBatchEvents, maxEventBytes, maxLabelLength, maxDetailLength, maxCodeLength } = this.limits;
    if (events.length === 0) this.breach('C.events.limits', 'an empty batch was sent');
    if (events.length > maxBatchEvents) {
      this.breach(
        'C.events.limits',
        `a batch of ${events.length} events was sent; connection_ack said limits.maxBatchEvents = ${maxBatchEvents}`,
      );
    }
    for (const e of events) {
      const bytes = Buffer.byteLength(JSON.stringify(e), 'utf8');
      if (bytes > maxEventBytes) {
        this.breach('C.events.limits', `event seq ${String(e.seq)} is ${bytes} bytes as JSON (limit ${maxEventBytes})`);
      }
      const problems: string[] = [];
      if (typeof e.seq !== 'number' || !Number.isSafeInteger(e.seq) || e.seq < 1)
        problems.push(`seq ${JSON.stringify(e.seq)}`);
      if (!isZonedTime(e.at)) problems.push(`at ${JSON.stringify(e.at)} is not ISO 8601 with a zone`);
      if (typeof e.kind !== 'string' || e.kind.length > 64) problems.push(`kind ${JSON.stringify(e.kind)}`);
      const bankLevel = typeof e.kind === 'string' && /^(POWER_|UPS_|CABINET_|TEMPERATURE_)/.test(e.kind);
      if (!bankLevel && !e.label) problems.push('a compartment kind without a label');
      if (bankLevel && e.label) problems.push(`bank-level kind ${String(e.kind)} with a label`);
      if (e.label && e.label.length > maxLabelLength) problems.push(`label longer than ${maxLabelLength}`);
      if (e.detail && e.detail.length > maxDetailLength) problems.push(`detail longer than ${maxDetailLength}`);
      if (e.code && e.code.length > maxCodeLength) problems.push(`code longer than ${maxCodeLength}`);
      if (problems.length) this.breach('C.events.wellformed', `event seq ${String(e.seq)}: ${problems.join('; ')}`);
      if (typeof e.seq === 'number' && e.seq <= this.#knownThrough) {
        const stored = this.journal.get(e.seq);
        const text =
          `seq ${e.seq} (${String(e.kind)} ${e.label ?? ''}${stored?.rejection ? `, rejected ${stored.rejection}` : ''}) ` +
          `was sent again on connection #${conn.id} after the controller had received acceptedThroughSeq ${this.#knownThrough}`;
        this.breach('C.events.no-resend', text);
        if (stored?.rejection) this.breach('C.events.rejected', text);
      }
    }
  }

  #markLost(ctx: KitCtx, args: Args): ReportAnswer {
    const from = args.fromSeq as number;
    const through = args.throughSeq as number;
    const reason = text(args.reason);
    const entry = { conn: ctx.conn.id, at: this.now(), from, through, reason } as KitServer['lost'][number];
    this.lost.push(entry);
    try {
      const accepted = this.journal.markLost(from, through, reason);
      this.note(`markLockerEventsLost ${from}–${through} (${reason}) → acceptedThroughSeq ${accepted}`, ctx.conn.id);
      return {
        acceptedThroughSeq: accepted,
        resendFromSeq: null,
        stored: 0,
        duplicates: 0,
        rejected: [],
        flagged: [],
        conflicts: [],
      };
    } catch (err) {
      if (err instanceof BatchRefused) {
        entry.error = err.message;
        this.note(`markLockerEventsLost refused: ${err.message}`, ctx.conn.id);
        throw errorWithCode(err.message, 'BAD_USER_INPUT', err.extensions);
      }
      throw err;
    }
  }

  #health(ctx: KitCtx, args: Args): { serverTime: string; clockOffsetMs: number } {
    const input = (args.input ?? {}) as Record<string, unknown>;
    this.health.push({ conn: ctx.conn.id, at: this.now(), input });
    this.note(`reportControllerHealth ${JSON.stringify(input)}`, ctx.conn.id);
    if (!isZonedTime(input.at)) throw errorWithCode('input.at must be ISO 8601 with a zone.', 'BAD_USER_INPUT');
    const serverNow = this.serverNow();
    return { serverTime: new Date(serverNow).toISOString(), clockOffsetMs: Date.parse(input.at) - serverNow };
  }

  #redeemQr(ctx: KitCtx, args: Args): unknown {
    const token = text(args.token);
    this.qrRedeems.push({ conn: ctx.conn.id, at: this.now(), token });
    this.note(`redeemPickupQr ${token.slice(0, 24)}…`, ctx.conn.id);
    const known = this.onlineQr.get(token);
    if (!known || known.used) return { __typename: 'PickupRefused', message: 'That code is not valid here.' };
    known.used = true;
    const command = this.newCommand({ kind: 'OPEN_COMPARTMENT', compartmentLabel: known.label, via: 'QR' });
    // The door opens on the command, not on this answer: send the command a little later.
    setTimeout(() => this.issue(command), 500);
    return { __typename: 'PickupOpened', compartmentLabel: known.label, command: this.#snapshot(command) };
  }

  // --- commands -----------------------------------------------------------------

  newCommand(fields: Partial<KitCommand> & { kind: string; compartmentLabel: string }, ttlMs = 20_000): KitCommand {
    const now = Date.now();
    return {
      id: `cmd_kit_${randomBytes(6).toString('hex')}`,
      issuedAt: new Date(now),
      expiresAtMs: now + ttlMs,
      tokenId: null,
      depositId: null,
      via: null,
      status: 'PENDING',
      outcome: null,
      outcomeDetail: null,
      acknowledgedAt: null,
      acknowledgedLate: false,
      deliveries: [],
      answers: [],
      ...fields,
    };
  }

  /** Keeps the command and sends it now if the controller is subscribed (else on its next subscription). */
  issue(command: KitCommand): KitCommand {
    this.commands.set(command.id, command);
    this.note(`command issued: ${command.kind} ${command.compartmentLabel} ${command.id}`);
    const live = this.live;
    if (live?.push) live.push(command);
    return command;
  }

  #deliverable(command: KitCommand): boolean {
    if (command.redeliver) return true;
    if (command.status !== 'PENDING' && command.status !== 'DELIVERED') return false;
    if (command.deliverExpired) return command.deliveries.length === 0;
    return command.expiresAtMs > Date.now();
  }

  #snapshot(command: KitCommand): Record<string, unknown> {
    return {
      id: command.id,
      kind: command.kind,
      bankId: KIT_BANK_ID,
      compartmentLabel: command.compartmentLabel,
      issuedAt: command.issuedAt.toISOString(),
      expiresAt: (command.displayExpiresAt ?? new Date(command.expiresAtMs)).toISOString(),
      ttlMs: command.forceTtlMs ?? Math.max(0, command.expiresAtMs - Date.now()),
      status: command.status,
      outcome: command.outcome,
      outcomeDetail: command.outcomeDetail,
      acknowledgedAt: command.acknowledgedAt?.toISOString() ?? null,
      acknowledgedLate: command.acknowledgedLate,
      tokenId: command.tokenId,
      depositId: command.depositId,
      via: command.via,
    };
  }

  async *#commandStream(ctx: KitCtx): AsyncGenerator<Record<string, unknown>> {
    const { conn } = ctx;
    const queue: KitCommand[] = [];
    let wake: (() => void) | undefined;
    let closed = conn.closedAt !== undefined;
    const onClose = () => {
      closed = true;
      wake?.();
    };
    conn.ws.once('close', onClose);
    const push = (command: KitCommand) => {
      if (!this.#deliverable(command)) return;
      queue.push(command);
      wake?.();
    };
    conn.push = push;
    conn.commandsSubscribedAt = this.now();
    this.note('lockerCommands subscribed', conn.id);
    for (const command of this.commands.values()) if (this.#deliverable(command)) queue.push(command);
    this.emit('change');
    try {
      while (!closed) {
        const command = queue.shift();
        if (!command) {
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
          continue;
        }
        command.redeliver = false;
        if (command.status === 'PENDING') command.status = 'DELIVERED';
        command.deliveries.push({ conn: conn.id, at: this.now() });
        const snapshot = this.#snapshot(command);
        this.note(`command sent: ${command.kind} ${command.compartmentLabel} ttlMs ${String(snapshot.ttlMs)}`, conn.id);
        this.emit('change');
        yield snapshot;
      }
    } finally {
      conn.ws.off('close', onClose);
      if (conn.push === push) conn.push = undefined;
    }
  }

  #acknowledge(ctx: KitCtx, args: Args): unknown {
    const id = text(args.id);
    const outcome = text(args.outcome);
    const detail = typeof args.detail === 'string' ? args.detail : null;
    const command = this.commands.get(id);
    this.note(`acknowledgeCommand ${id} ${outcome}${detail ? ` (${detail})` : ''}`, ctx.conn.id);
    if (!command) throw errorWithCode('No such command for this bank.', 'NOT_FOUND');
    const dropped = !!command.dropNextAnswer;
    command.answers.push({ conn: ctx.conn.id, at: this.now(), outcome, detail, dropped });
    this.emit('change');
    if (dropped) {
      command.dropNextAnswer = false;
      command.redeliver = true;
      const conn = ctx.conn;
      setTimeout(() => this.#terminate(conn, 'link cut by the kit after dropping an acknowledgement'), 300);
      return new Promise(() => {});
    }
    if (command.status === 'PENDING' || command.status === 'DELIVERED') {
      command.status =
        outcome === 'OPENED' || outcome === 'DONE' ? 'DONE' : outcome === 'EXPIRED' ? 'EXPIRED' : 'FAILED';
      command.outcome = outcome;
      command.outcomeDetail = detail;
      command.acknowledgedAt = new Date();
      command.acknowledgedLate = Date.now() > command.expiresAtMs;
    }
    return { command: this.#snapshot(command) };
  }
}

/** PROTOCOL.md 1: what makes a connection_init malformed (closed with 4400, the reason naming the field). */
export function malformedInit(payload: Record<string, unknown>): string | null {
  const v = payload.protocolVersion;
  if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < 1)) {
    return 'protocolVersion must be a whole number of at least 1';
  }
  const c = payload.controller;
  if (c === undefined || c === null) return null;
  if (typeof c !== 'object' || Array.isArray(c)) return 'controller must be an object';
  const controller = c as Record<string, unknown>;
  for (const field of ['model', 'serial', 'firmware'] as const) {
    const value = controller[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') return `controller.${field} must be text`;
    if (value.length > 100) return `controller.${field} is longer than 100 characters`;
  }
  const caps = controller.capabilities;
  if (caps !== undefined && caps !== null) {
    if (!Array.isArray(caps) || caps.some((x) => typeof x !== 'string')) {
      return 'controller.capabilities must be a list of strings';
    }
    if (caps.length > 32) return 'controller.capabilities has more than 32 names';
    if ((caps as string[]).some((x) => x.length > 40)) return 'controller.capabilities has a name over 40 characters';
  }
  if (controller.time !== undefined && controller.time !== null && typeof controller.time !== 'string') {
    return 'controller.time must be text';
  }
  return null;
}

function formatError(error: GraphQLError) {
  const json = error.toJSON();
  const code = json.extensions?.code;
  return { ...json, extensions: { ...json.extensions, code: typeof code === 'string' ? code : 'BAD_USER_INPUT' } };
}

function redact(payload: Record<string, unknown>, token: string): Record<string, unknown> {
  return payload.deviceToken === token ? { ...payload, deviceToken: '(the token given)' } : payload;
}

export function describeSeqs(events: readonly EventIn[]): string {
  const seqs = events.map((e) => e.seq);
  if (seqs.length <= 6) return seqs.map(String).join(', ');
  return `${String(seqs[0])}…${String(seqs.at(-1))} (${seqs.length} events)`;
}

/** A GraphQL argument as text (the schema has already typed it). */
const text = (value: unknown): string => (typeof value === 'string' ? value : '');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
