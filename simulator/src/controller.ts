/**
 * A simulated locker-bank controller. It speaks only the public device
 * protocol (schema.graphql, "Device protocol" fields) over one graphql-ws
 * connection, like third-party firmware would:
 *
 * - connection_init carries { deviceToken }; connection_ack tells us the bank,
 *   its compartments and how far the server's event log goes;
 * - every physical happening is an event with a per-controller seq, kept in an
 *   outbox until the server confirms it (see outbox.ts), sent one batch at a
 *   time, oldest first, and resent after any failure;
 * - `lockerCommands` delivers OPEN_COMPARTMENT commands, answered with
 *   `acknowledgeCommand`.
 *
 * Connection policy: 4403 (token refused) and 4000 (replaced by a newer
 * connection with our token) are final; so are 4400 and 1009, which mean we
 * sent something the server cannot take and would only send it again. Every
 * other close (server restart, network loss, timeouts) is retried forever
 * with bounded, jittered exponential back-off.
 */
import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import { z } from 'zod';
import { backoffDelay, DEFAULT_RETRY, validateRetry, type RetryOptions } from './backoff.js';
import { CommandMemory, decideOpen } from './commands.js';
import { OfflinePickupVerifier, type OfflinePickup, type PickupAnswer } from './pickup.js';
import { TypedEmitter } from './emitter.js';
import { MAX_BATCH, Outbox } from './outbox.js';
import {
  CloseCodes,
  COMPARTMENT_SIZES,
  silentLogger,
  type AckCompartment,
  type CommandOutcome,
  type CompartmentSize,
  type DeviceEventKind,
  type LockerCommand,
  type LockerEventInput,
  type Logger,
} from './types.js';

export type ControllerStatus =
  /** connection_ack received: bankId and labels are known. */
  | 'connected'
  /** The connection was lost (or disconnect()/stop() was called). Retrying unless stopped. */
  | 'disconnected'
  /** 4403: the token is missing, wrong or revoked. Final. */
  | 'refused'
  /** 4000: a newer connection with the same token took over. Final. */
  | 'replaced'
  /** 4400 / 1009 or a connection_ack we cannot read: a protocol mismatch. Final. */
  | 'failed';

export interface StatusInfo {
  /** The WebSocket close code, when there was one. */
  code?: number;
  reason?: string;
  message: string;
}

export interface CommandHandled {
  command: LockerCommand;
  outcome: CommandOutcome;
  /** The server sent this command id before; the door was not opened again. */
  duplicate: boolean;
}

export interface BatchAcknowledged {
  sent: number;
  acceptedThroughSeq: number;
  stored: number;
  duplicates: number;
  rejected: { seq: number; reason: string }[];
  /** Set when the server reported a gap; the queue is resent from here. */
  resendFromSeq: number | null;
  pending: number;
}

export interface ControllerEvents {
  status: [status: ControllerStatus, info: StatusInfo];
  command: [handled: CommandHandled];
  /** An event was recorded (with its seq). */
  recorded: [event: LockerEventInput];
  /** The server answered a batch. */
  acknowledged: [ack: BatchAcknowledged];
}

export type DoorState = 'OPEN' | 'CLOSED';
export type ChargingState = 'IDLE' | 'CHARGING' | 'CHARGED';

/** The simulated physical state of one compartment. */
export interface CompartmentView {
  label: string;
  size: CompartmentSize;
  hasCharging: boolean;
  door: DoorState;
  occupied: boolean;
  charging: ChargingState;
  faulted: boolean;
  jammed: boolean;
  /** Opened by a server command recently (a deposit or pickup under way, or a parcel in it): random activity leaves it alone. */
  inService: boolean;
  /** The deposit the server says this door holds; an offline QR must name it. */
  depositId: string | null;
}

export interface ControllerStats {
  /** Events recorded since construction. */
  recorded: number;
  /** Events put on the wire (a resent event counts again). */
  sent: number;
  /** Events the server confirmed (dropped from the outbox). */
  acknowledged: number;
  /** Events the server stored for the first time / had already. */
  stored: number;
  duplicates: number;
  rejected: number;
  batches: number;
  /** Commands received (duplicates included). */
  commands: number;
  /** Doors opened by command. */
  opened: number;
}

export interface SimulatedControllerOptions {
  /** graphql-ws URL of the server, e.g. ws://localhost:4000/graphql. */
  url: string;
  deviceToken: string;
  /** Shown in log lines; defaults to the bank name once connected. */
  name?: string;
  /** How long a door opened by command stays open before DOOR_CLOSED. Default 4000; Infinity = never. */
  closeAfterMs?: number;
  /**
   * Act out the person at the door: after a door opens for a deposit the
   * parcel goes in (OCCUPIED); for a pickup or recall it comes out (EMPTY),
   * before the door closes. Default false: tests record what they want.
   */
  simulatePeople?: boolean;
  /** Reconnect back-off bounds. Default { minMs: 500, maxMs: 10000 }. */
  retry?: RetryOptions;
  /**
   * How long record() waits before sending, so events recorded together
   * (deposit() records three) travel in one batch. Default 10 ms.
   */
  flushIntervalMs?: number;
  /** A request with no answer after this long means a dead link: the socket is dropped and reopened. Default 15000. */
  requestTimeoutMs?: number;
  /** Events per reportLockerEvents, at most 500 (the protocol's limit). Default 500. */
  maxBatchSize?: number;
  /** Simulated latency between receiving a command and acting on it. Default 0. */
  commandDelayMs?: number;
  /** Where seq numbering resumes for a controller with saved state. Default 0 (fresh). */
  acceptedThroughSeq?: number;
  logger?: Logger;
  /** Source of jitter; Math.random by default. */
  random?: () => number;
}

export class ControllerError extends Error {
  constructor(
    readonly status: ControllerStatus | 'stopped',
    message: string,
    readonly code?: number,
  ) {
    super(message);
    this.name = 'ControllerError';
  }
}

/** The connection went away while a request was waiting for its answer. */
class ConnectionLostError extends Error {
  override name = 'ConnectionLostError';
}

/** The server answered with GraphQL errors: it got the request and refused it. */
export class GraphQLRequestError extends Error {
  override name = 'GraphQLRequestError';
  constructor(readonly errors: readonly { message: string; extensions?: Record<string, unknown> }[]) {
    super(errors.map((e) => e.message).join('; ') || 'GraphQL error');
  }
  get code(): string | undefined {
    const code = this.errors[0]?.extensions?.code;
    return typeof code === 'string' ? code : undefined;
  }
}

const REPORT_EVENTS = /* GraphQL */ `
  mutation ReportLockerEvents($events: [LockerEventInput!]!) {
    reportLockerEvents(events: $events) {
      acceptedThroughSeq
      resendFromSeq
      stored
      duplicates
      rejected {
        seq
        reason
      }
    }
  }
`;

const ACKNOWLEDGE_COMMAND = /* GraphQL */ `
  mutation AcknowledgeCommand($id: ID!, $outcome: CommandOutcome!, $detail: String) {
    acknowledgeCommand(id: $id, outcome: $outcome, detail: $detail) {
      command {
        id
        status
      }
    }
  }
`;

const LOCKER_COMMANDS = /* GraphQL */ `
  subscription LockerCommands {
    lockerCommands {
      id
      kind
      bankId
      compartmentLabel
      issuedAt
      expiresAt
      ttlMs
      status
      tokenId
      depositId
      via
    }
  }
`;

const PICKUP_RESULT = /* GraphQL */ `
    __typename
    ... on PickupOpened {
      compartmentLabel
    }
    ... on PickupRefused {
      message
      retryAfterSeconds
    }
`;

const REDEEM_CODE = /* GraphQL */ `
  mutation RedeemPickupCode($code: String!, $hint: String) {
    redeemPickupCode(code: $code, compartmentHint: $hint) {${PICKUP_RESULT}}
  }
`;

const REDEEM_QR = /* GraphQL */ `
  mutation RedeemPickupQr($token: String!, $hint: String) {
    redeemPickupQr(token: $token, compartmentHint: $hint) {${PICKUP_RESULT}}
  }
`;

/** A request whose only purpose is a round trip (see #becomeReady). */
const PROBE = /* GraphQL */ `
  query ControllerProbe {
    __typename
  }
`;

const ackSchema = z.object({
  bankId: z.string().min(1),
  bankName: z.string(),
  acceptedThroughSeq: z.number().int().min(0),
  compartments: z.array(
    z.object({
      label: z.string().min(1),
      size: z.enum(COMPARTMENT_SIZES),
      hasCharging: z.boolean(),
      depositId: z.string().nullish(),
    }),
  ),
  // Optional so a server without parcel pickup still works with this controller.
  pickupKeys: z
    .array(
      z.object({
        kid: z.string(),
        alg: z.literal('EdDSA'),
        jwk: z.record(z.string(), z.unknown()),
        retiresAt: z.string().nullish(),
      }),
    )
    .optional(),
  revokedPickupTokens: z.array(z.string()).optional(),
});

const replySchema = z.object({
  acceptedThroughSeq: z.number().int().min(0),
  resendFromSeq: z.number().int().nullable().optional(),
  stored: z.number().int(),
  duplicates: z.number().int(),
  rejected: z.array(z.object({ seq: z.number().int(), reason: z.string() })),
});

const commandSchema = z.object({
  id: z.string().min(1),
  kind: z.string(),
  bankId: z.string(),
  compartmentLabel: z.string(),
  issuedAt: z.string(),
  expiresAt: z.string(),
  ttlMs: z.number(),
  status: z.string(),
  tokenId: z.string().nullish(),
  depositId: z.string().nullish(),
  via: z.string().nullish(),
});

interface Compartment extends AckCompartment {
  door: DoorState;
  occupied: boolean;
  charging: ChargingState;
  faulted: boolean;
  /** The deposit this door holds, as the server said (connection_ack, a deposit's OPEN_COMPARTMENT). */
  depositId: string | null;
}

interface Waiter {
  resolve: () => void;
  reject: (error: Error) => void;
}

interface FlushWaiter extends Waiter {
  localId: number;
  timer?: NodeJS.Timeout;
}

/** Codes after which reconnecting cannot help. */
const FINAL_CODES = new Set<number>([
  CloseCodes.Forbidden,
  CloseCodes.Replaced,
  CloseCodes.BadRequest,
  CloseCodes.MessageTooBig,
]);

function closeCodeOf(value: unknown): { code: number; reason: string } | undefined {
  if (typeof value === 'object' && value !== null && 'code' in value && typeof value.code === 'number') {
    const reason = 'reason' in value && typeof value.reason === 'string' ? value.reason : '';
    return { code: value.code, reason };
  }
  return undefined;
}

function describe(value: unknown): string {
  const close = closeCodeOf(value);
  if (close) return `closed ${close.code}${close.reason ? ` (${close.reason})` : ''}`;
  if (value instanceof Error) return value.message;
  if (typeof value === 'object' && value !== null && 'message' in value && typeof value.message === 'string') {
    return value.message; // ws ErrorEvent
  }
  return String(value);
}

export class SimulatedController {
  readonly #url: string;
  readonly #token: string;
  readonly #closeAfterMs: number;
  readonly #simulatePeople: boolean;
  /** Labels holding something the server put there by command (a parcel): random activity avoids them. */
  readonly #inService = new Set<string>();
  readonly #retry: RetryOptions;
  readonly #flushIntervalMs: number;
  readonly #requestTimeoutMs: number;
  readonly #commandDelayMs: number;
  readonly #logger: Logger;
  readonly #random: () => number;
  readonly #emitter: TypedEmitter<ControllerEvents>;
  readonly #outbox: Outbox;
  #maxBatch: number;
  #name: string | undefined;

  // --- connection -----------------------------------------------------------
  /**
   * Bumped whenever a client is torn down. Every callback of a client checks
   * its generation first: a closing client's late events (its close frame,
   * a reply racing the close) must not touch the state of its successor.
   */
  #generation = 0;
  /** Pickup keys and revoked tokens, for verifying QR codes while offline. */
  readonly #pickup = new OfflinePickupVerifier();
  #client: Client | undefined;
  #sockets = new Set<WebSocket>();
  #retryAbort: AbortController | undefined;
  #connected = false;
  /** Connected, and one round trip done after subscribing to commands. */
  #ready = false;
  #running = false;
  #final: ControllerError | undefined;
  #attemptsFailed = 0;
  /** Why the last attempt failed (e.g. ECONNREFUSED), for the retry log line. */
  #lastConnectError = '';
  #recreateTimer: NodeJS.Timeout | undefined;
  #resubscribeTimer: NodeJS.Timeout | undefined;
  #readyWaiters: Waiter[] = [];
  /** Abort functions of requests waiting for an answer. */
  #openRequests = new Set<(error: Error) => void>();

  // --- bank -----------------------------------------------------------------
  #bankId: string | undefined;
  #bankName: string | undefined;
  #compartments = new Map<string, Compartment>();
  #jammed = new Set<string>();
  #doorTimers = new Map<string, NodeJS.Timeout>();

  // --- sending --------------------------------------------------------------
  #pumpTimer: NodeJS.Timeout | undefined;
  /** Id of the batch in flight; null when none. One batch at a time keeps the server's log in order. */
  #inFlight: number | null = null;
  #batchCounter = 0;
  #batchFailures = 0;
  #flushWaiters: FlushWaiter[] = [];

  // --- commands -------------------------------------------------------------
  #commandMemory = new CommandMemory();
  /** Acknowledgements not yet confirmed by the server; resent after a reconnect. */
  #pendingAcks = new Map<string, CommandOutcome>();
  #commandTimers = new Set<NodeJS.Timeout>();

  #stats: ControllerStats = {
    recorded: 0,
    sent: 0,
    acknowledged: 0,
    stored: 0,
    duplicates: 0,
    rejected: 0,
    batches: 0,
    commands: 0,
    opened: 0,
  };

  constructor(options: SimulatedControllerOptions) {
    // ws throws on a bad URL inside graphql-ws's connect loop, where nothing
    // can catch it; refuse it here instead.
    let parsedUrl: URL;
    try {
      parsedUrl = new URL(options.url);
    } catch {
      throw new TypeError(`url must be a ws:// or wss:// URL, got "${options.url}"`);
    }
    if (parsedUrl.protocol !== 'ws:' && parsedUrl.protocol !== 'wss:') {
      throw new TypeError(`url must be a ws:// or wss:// URL, got "${options.url}"`);
    }
    if (!options.deviceToken) throw new TypeError('deviceToken is required');
    this.#url = options.url;
    this.#token = options.deviceToken;
    this.#name = options.name;
    this.#closeAfterMs = options.closeAfterMs ?? 4000;
    this.#simulatePeople = options.simulatePeople ?? false;
    this.#retry = validateRetry(options.retry ?? DEFAULT_RETRY);
    this.#flushIntervalMs = Math.max(0, options.flushIntervalMs ?? 10);
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 15_000;
    this.#maxBatch = Math.max(1, Math.min(MAX_BATCH, options.maxBatchSize ?? MAX_BATCH));
    this.#commandDelayMs = Math.max(0, options.commandDelayMs ?? 0);
    this.#logger = options.logger ?? silentLogger;
    this.#random = options.random ?? Math.random;
    this.#outbox = new Outbox(options.acceptedThroughSeq ?? 0);
    this.#emitter = new TypedEmitter((error) => this.#logger.error(`a listener threw: ${describe(error)}`));
  }

  // ===========================================================================
  // Public API
  // ===========================================================================

  /** The bank id from connection_ack; undefined before the first connection. */
  get bankId(): string | undefined {
    return this.#bankId;
  }

  get bankName(): string | undefined {
    return this.#bankName;
  }

  /** Compartment labels from connection_ack, in the server's order. */
  get labels(): string[] {
    return [...this.#compartments.keys()];
  }

  /** Number of recorded events the server has not yet confirmed. */
  get pendingEvents(): number {
    return this.#outbox.size;
  }

  /** Copies of the unconfirmed events, oldest first. */
  get queuedEvents(): LockerEventInput[] {
    return this.#outbox.events();
  }

  /** Highest seq the server confirmed storing. */
  get lastAcceptedSeq(): number {
    return this.#outbox.acceptedThroughSeq;
  }

  /** The seq the next recorded event gets. */
  get nextSeq(): number {
    return this.#outbox.nextSeq;
  }

  /** True between connection_ack and the connection closing. */
  get connected(): boolean {
    return this.#connected;
  }

  /** Set once the controller stopped for good (refused, replaced or failed). */
  get finalError(): ControllerError | undefined {
    return this.#final;
  }

  get name(): string {
    return this.#name ?? this.#bankName ?? 'controller';
  }

  get stats(): Readonly<ControllerStats> {
    return { ...this.#stats };
  }

  /** The simulated state of every compartment. */
  get compartments(): CompartmentView[] {
    return [...this.#compartments.values()].map((c) => this.#view(c));
  }

  compartment(label: string): CompartmentView | undefined {
    const c = this.#compartments.get(label);
    return c ? this.#view(c) : undefined;
  }

  on<K extends keyof ControllerEvents>(event: K, listener: (...args: ControllerEvents[K]) => void): () => void {
    return this.#emitter.on(event, listener);
  }

  onStatus(listener: (status: ControllerStatus, info: StatusInfo) => void): () => void {
    return this.#emitter.on('status', listener);
  }

  onCommand(listener: (handled: CommandHandled) => void): () => void {
    return this.#emitter.on('command', listener);
  }

  /**
   * Connects. Resolves once connected and ready to receive commands; keeps
   * retrying (never rejects) while the server is unreachable. Rejects if the
   * server refuses the token (4403), another connection replaces this one
   * (4000), or stop() is called first.
   */
  start(): Promise<void> {
    if (this.#final) return Promise.reject(this.#final);
    this.#running = true;
    if (!this.#client) this.#connect();
    return this.#waitReady();
  }

  /** Disconnects for good: closes the socket, cancels timers. Queued events stay queued (see pendingEvents). */
  async stop(): Promise<void> {
    this.#running = false;
    for (const timer of this.#doorTimers.values()) clearTimeout(timer);
    this.#doorTimers.clear();
    for (const timer of this.#commandTimers) clearTimeout(timer);
    this.#commandTimers.clear();
    clearTimeout(this.#pumpTimer);
    this.#pumpTimer = undefined;
    clearTimeout(this.#recreateTimer);
    this.#recreateTimer = undefined;
    const stopped = new ControllerError('stopped', `${this.name}: stopped`);
    this.#rejectWaiters(stopped);
    await this.#teardown('stopped');
  }

  /**
   * Simulates a network outage: drops the connection but keeps the outbox,
   * the seq numbering and the compartment state. Events recorded meanwhile
   * are queued; flush() waits for reconnect().
   */
  async disconnect(): Promise<void> {
    clearTimeout(this.#recreateTimer);
    this.#recreateTimer = undefined;
    await this.#teardown('disconnect() called');
  }

  /** Ends a simulated outage: connects again; resolves when ready (as start()). */
  reconnect(): Promise<void> {
    return this.start();
  }

  /**
   * Resolves when every event recorded so far has been confirmed by the
   * server. Rejects on timeout (if given), stop() or a final close.
   */
  flush(options: { timeoutMs?: number } = {}): Promise<void> {
    const localId = this.#outbox.lastLocalId;
    if (this.#outbox.isSettled(localId)) return Promise.resolve();
    if (this.#final) return Promise.reject(this.#final);
    if (!this.#running) {
      return Promise.reject(
        new ControllerError('stopped', `${this.name}: not running, ${this.pendingEvents} events unsent`),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: FlushWaiter = { localId, resolve, reject };
      if (options.timeoutMs !== undefined) {
        waiter.timer = setTimeout(() => {
          this.#flushWaiters = this.#flushWaiters.filter((w) => w !== waiter);
          reject(
            new Error(
              `${this.name}: flush timed out after ${options.timeoutMs} ms, ${this.pendingEvents} events pending`,
            ),
          );
        }, options.timeoutMs);
      }
      this.#flushWaiters.push(waiter);
      this.#schedulePump(0);
    });
  }

  /**
   * Waits for the next command this controller handles (after it acted on it).
   * Handy in tests: `const { command } = await sim.nextCommand()`.
   */
  nextCommand(timeoutMs = 10_000): Promise<CommandHandled> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`${this.name}: no command within ${timeoutMs} ms`));
      }, timeoutMs);
      const off = this.onCommand((handled) => {
        clearTimeout(timer);
        off();
        resolve(handled);
      });
    });
  }

  /**
   * Records an event with the next seq and the current time, updates the
   * simulated compartment state to match, and sends it soon. Any label is
   * accepted (the server rejects unknown ones with UNKNOWN_COMPARTMENT, which
   * tests may want). The returned seq can change if the server's log turns
   * out to be ahead of or behind ours (see Outbox.applyServerSeq).
   */
  record(label: string, kind: DeviceEventKind, detail?: string): LockerEventInput {
    const event = this.#outbox.append({
      label,
      kind,
      at: new Date().toISOString(),
      ...(detail !== undefined ? { detail } : {}),
    });
    this.#stats.recorded++;
    this.#applyToState(label, kind);
    this.#emitter.emit('recorded', event);
    this.#schedulePump(this.#flushIntervalMs);
    return event;
  }

  // Helpers for plausible activity. Each records only the transitions that
  // change the simulated state (opening an open door records nothing).

  /** Opens the door and leaves it open (until closeDoor()). */
  openDoor(label: string): LockerEventInput[] {
    return this.#door(label, 'OPEN');
  }

  closeDoor(label: string): LockerEventInput[] {
    return this.#door(label, 'CLOSED');
  }

  /** Door opens, an item goes in, door closes. */
  deposit(label: string): LockerEventInput[] {
    const events = this.#door(label, 'OPEN');
    if (!this.#compartments.get(label)?.occupied) events.push(this.record(label, 'OCCUPIED'));
    return [...events, ...this.#door(label, 'CLOSED')];
  }

  /** Door opens, the item comes out, door closes. */
  pickup(label: string): LockerEventInput[] {
    const events = this.#door(label, 'OPEN');
    const c = this.#compartments.get(label);
    if (!c || c.occupied) events.push(this.record(label, 'EMPTY'));
    return [...events, ...this.#door(label, 'CLOSED')];
  }

  fault(label: string, detail = 'E17 lock sensor not responding'): LockerEventInput[] {
    return this.#compartments.get(label)?.faulted ? [] : [this.record(label, 'FAULT', detail)];
  }

  clearFault(label: string): LockerEventInput[] {
    const c = this.#compartments.get(label);
    return c && !c.faulted ? [] : [this.record(label, 'FAULT_CLEARED')];
  }

  /** A device in the compartment starts charging. */
  startCharging(label: string): LockerEventInput[] {
    return this.#compartments.get(label)?.charging === 'CHARGING' ? [] : [this.record(label, 'CHARGING')];
  }

  /** The charging device is full. */
  finishCharging(label: string): LockerEventInput[] {
    return this.#compartments.get(label)?.charging === 'CHARGED' ? [] : [this.record(label, 'CHARGED')];
  }

  tamper(label: string, detail = 'door forced'): LockerEventInput[] {
    return [this.record(label, 'TAMPER', detail)];
  }

  /** Makes a compartment's lock fail to release: OPEN_COMPARTMENT answers FAILED. */
  jam(label: string, jammed = true): void {
    if (jammed) this.#jammed.add(label);
    else this.#jammed.delete(label);
  }

  // ===========================================================================
  // Connection
  // ===========================================================================

  #connect(): void {
    const generation = ++this.#generation;
    const retryAbort = new AbortController();
    this.#retryAbort = retryAbort;
    const sockets = new Set<WebSocket>();
    this.#sockets = sockets;
    const logger = this.#logger;
    const isCurrent = () => generation === this.#generation;

    // A WebSocket that registers itself, so teardown can close a socket still
    // in its handshake (dispose() alone would let it finish connecting and
    // briefly take the token over from our own next connection). The extra
    // error listener keeps a late socket error from becoming an uncaught
    // exception after graphql-ws detached its own handler.
    class TrackedWebSocket extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols);
        sockets.add(this);
        // Should a disposed client still open a socket, end it at once.
        if (!isCurrent()) queueMicrotask(() => this.terminate());
        this.on('error', (error) => logger.debug(`socket error: ${describe(error)}`));
        this.once('close', () => sockets.delete(this));
      }
    }

    const client = createClient({
      url: this.#url,
      connectionParams: { deviceToken: this.#token },
      webSocketImpl: TrackedWebSocket,
      // Connect now and stay connected, independent of subscriptions.
      lazy: false,
      retryAttempts: Infinity,
      // The server must ack within 10 s or the attempt counts as failed.
      connectionAckWaitTimeout: 10_000,
      // graphql-ws retries 4403 by default and treats socket errors
      // (ECONNREFUSED) as fatal; we want the opposite of both.
      shouldRetry: (errOrClose) => {
        const close = closeCodeOf(errOrClose);
        return !(close && FINAL_CODES.has(close.code));
      },
      retryWait: (attempt) => this.#retryWait(attempt, retryAbort.signal),
      onNonLazyError: (error) => {
        if (isCurrent()) this.#onClientGaveUp(error);
      },
      on: {
        connected: (_socket, payload) => {
          if (isCurrent()) this.#onConnected(payload);
        },
        closed: (event) => {
          if (isCurrent()) this.#onClosed(event);
        },
        error: (error) => {
          if (isCurrent()) this.#lastConnectError = describe(error);
        },
      },
    });
    this.#client = client;
    this.#subscribeCommands(client, generation);
  }

  #retryWait(attempt: number, signal: AbortSignal): Promise<void> {
    const delay = backoffDelay(attempt, this.#retry, this.#random);
    const why = this.#lastConnectError || 'connection closed';
    const line = `${this.name}: no connection to ${this.#url} (${why}); retrying in ${(delay / 1000).toFixed(1)} s`;
    if (attempt === 0) this.#logger.info(line);
    else this.#logger.debug(line);
    // After teardown the promise never settles: graphql-ws then never makes
    // another attempt for the disposed client, and nothing holds a timer.
    return new Promise<void>((resolve) => {
      if (signal.aborted) return;
      const timer = setTimeout(resolve, delay);
      signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
    });
  }

  #onConnected(payload: unknown): void {
    const parsed = ackSchema.safeParse(payload);
    if (!parsed.success) {
      this.#finish('failed', {
        message: `${this.name}: connection_ack is not a device ack (${parsed.error.issues[0]?.message ?? 'invalid'}); is ${this.#url} a Baylight server?`,
      });
      return;
    }
    const ack = parsed.data;
    this.#bankId = ack.bankId;
    this.#bankName = ack.bankName;
    this.#learnCompartments(ack.compartments);
    this.#pickup.learn(ack.pickupKeys ?? [], ack.revokedPickupTokens ?? []);
    this.#lastConnectError = '';
    this.#attemptsFailed = 0;

    const sync = this.#outbox.applyServerSeq(ack.acceptedThroughSeq);
    if (sync.serverBehind) {
      this.#logger.warn(
        `${this.name}: the server's log ends at #${ack.acceptedThroughSeq}, before events it had confirmed; ` +
          `its data was reset. ${sync.renumbered} queued events renumbered to follow it.`,
      );
    } else if (sync.renumbered > 0) {
      this.#logger.info(
        `${this.name}: the server's log already reaches #${ack.acceptedThroughSeq}; ${sync.renumbered} new events renumbered to follow it.`,
      );
    }
    if (sync.dropped > 0) this.#stats.acknowledged += sync.dropped;

    this.#connected = true;
    this.#emitStatus('connected', {
      message:
        `${this.name}: connected as bank ${ack.bankId} (${ack.compartments.length} compartments); ` +
        `server has events through #${ack.acceptedThroughSeq}, ${this.#outbox.size} to send`,
    });
    this.#settleFlushWaiters();

    // After graphql-ws has re-sent the commands subscription (it does so once
    // this listener returns): replay unacknowledged work, then report ready.
    const generation = this.#generation;
    setImmediate(() => {
      if (generation !== this.#generation || !this.#connected) return;
      this.#resendAcks();
      this.#schedulePump(0);
      this.#becomeReady(generation);
    });
  }

  /**
   * The server refuses OPEN_COMPARTMENT for a bank with no commands
   * subscription (BANK_OFFLINE). A test that opens a door right after start()
   * must not race our subscribe message, so start() resolves only after a
   * round trip sent after it: the server reads one socket's messages in order.
   */
  #becomeReady(generation: number): void {
    this.#request(generation, PROBE, {}).then(
      () => this.#markReady(generation),
      (error: unknown) => {
        // A GraphQL error is an answer too: the round trip happened.
        if (error instanceof GraphQLRequestError) this.#markReady(generation);
      },
    );
  }

  #markReady(generation: number): void {
    if (generation !== this.#generation || !this.#connected) return;
    this.#ready = true;
    const waiters = this.#readyWaiters;
    this.#readyWaiters = [];
    for (const w of waiters) w.resolve();
  }

  #waitReady(): Promise<void> {
    if (this.#ready) return Promise.resolve();
    return new Promise((resolve, reject) => this.#readyWaiters.push({ resolve, reject }));
  }

  #onClosed(event: unknown): void {
    const wasConnected = this.#connected;
    this.#connected = false;
    this.#ready = false;
    this.#abortRequests(new ConnectionLostError('connection closed'));
    const close = closeCodeOf(event);
    const code = close?.code;
    const reason = close?.reason ?? '';
    if (code === CloseCodes.Forbidden) {
      this.#finish('refused', {
        code,
        reason,
        message:
          `${this.name}: the server refused the device token (4403${reason ? ` ${reason}` : ''}): ` +
          `it is missing, wrong or revoked. Not retrying; provision the bank again.`,
      });
    } else if (code === CloseCodes.Replaced) {
      this.#finish('replaced', {
        code,
        reason,
        message: `${this.name}: replaced by a newer connection with the same token (4000). Not retrying.`,
      });
    } else if (code === CloseCodes.BadRequest || code === CloseCodes.MessageTooBig) {
      this.#finish('failed', {
        code,
        reason,
        message:
          `${this.name}: the server closed the connection with ${code}${reason ? ` (${reason})` : ''}: ` +
          `it could not accept a message we sent. Not retrying: it would be sent again.`,
      });
    } else if (wasConnected) {
      this.#lastConnectError = describe(event);
      this.#emitStatus('disconnected', {
        ...(code !== undefined ? { code } : {}),
        reason,
        message: `${this.name}: connection lost (${describe(event)}); reconnecting`,
      });
    } else if (close) {
      this.#lastConnectError = describe(event);
    }
  }

  /**
   * graphql-ws gives up on some closes whatever shouldRetry says (e.g. 4500
   * internal server error). For firmware those are transient: make a new
   * client after a back-off. Final codes never reach here (#onClosed tore the
   * client down first, so this callback sees a stale generation).
   */
  #onClientGaveUp(error: unknown): void {
    const delay = backoffDelay(this.#attemptsFailed++, this.#retry, this.#random);
    this.#logger.warn(
      `${this.name}: connection failed (${describe(error)}); new connection in ${(delay / 1000).toFixed(1)} s`,
    );
    void this.#teardown(`connection failed: ${describe(error)}`, { silent: true });
    clearTimeout(this.#recreateTimer);
    this.#recreateTimer = setTimeout(() => {
      this.#recreateTimer = undefined;
      if (this.#running && !this.#final && !this.#client) this.#connect();
    }, delay);
  }

  /** Stops for good after a final close; rejects everyone waiting. */
  #finish(status: 'refused' | 'replaced' | 'failed', info: StatusInfo): void {
    if (this.#final) return;
    this.#final = new ControllerError(status, info.message, info.code);
    this.#running = false;
    this.#logger.error(info.message);
    void this.#teardown(info.message, { silent: true });
    this.#emitStatus(status, info);
    this.#rejectWaiters(this.#final);
  }

  /**
   * Closes the current client, if any. Idempotent. Requests waiting for an
   * answer are failed (their events stay queued); the commands subscription
   * is dropped with the client.
   */
  async #teardown(why: string, options: { silent?: boolean } = {}): Promise<void> {
    const client = this.#client;
    const wasConnected = this.#connected;
    this.#generation++;
    this.#client = undefined;
    this.#connected = false;
    this.#ready = false;
    this.#inFlight = null;
    this.#retryAbort?.abort();
    this.#retryAbort = undefined;
    clearTimeout(this.#resubscribeTimer);
    this.#resubscribeTimer = undefined;
    this.#abortRequests(new ConnectionLostError(why));
    if (!client) return;
    if (wasConnected && !options.silent)
      this.#emitStatus('disconnected', { message: `${this.name}: disconnected (${why})` });

    // dispose() stops graphql-ws retrying; closing the sockets ourselves also
    // ends one still in its handshake, which dispose() would let finish.
    Promise.resolve(client.dispose()).catch(() => {});
    const sockets = [...this.#sockets];
    this.#sockets = new Set();
    await Promise.all(
      sockets.map(
        (socket) =>
          new Promise<void>((resolve) => {
            if (socket.readyState === WebSocket.CLOSED) return resolve();
            // Do not wait for a server that never answers the close frame.
            const guard = setTimeout(() => {
              socket.terminate();
              resolve();
            }, 1000);
            socket.once('close', () => {
              clearTimeout(guard);
              resolve();
            });
            if (socket.readyState === WebSocket.OPEN) socket.close(1000, 'controller closing');
            else socket.terminate();
          }),
      ),
    );
  }

  #rejectWaiters(error: Error): void {
    const ready = this.#readyWaiters;
    this.#readyWaiters = [];
    for (const w of ready) w.reject(error);
    const flush = this.#flushWaiters;
    this.#flushWaiters = [];
    for (const w of flush) {
      clearTimeout(w.timer);
      w.reject(error);
    }
  }

  #emitStatus(status: ControllerStatus, info: StatusInfo): void {
    if (status === 'connected' || status === 'disconnected') this.#logger.info(info.message);
    this.#emitter.emit('status', status, info);
  }

  // ===========================================================================
  // Pickup at the locker (keypad and QR reader)
  // ===========================================================================

  /** The keypad: asks the server whether the code opens a door here (it sends OPEN_COMPARTMENT if so). */
  redeemPickupCode(code: string, compartmentHint?: string): Promise<PickupAnswer> {
    return this.#request<{ redeemPickupCode: PickupAnswer }>(this.#generation, REDEEM_CODE, {
      code,
      hint: compartmentHint ?? null,
    }).then((d) => d.redeemPickupCode);
  }

  /**
   * The QR reader. Online, the server decides (and sends OPEN_COMPARTMENT).
   * With the uplink down, the controller verifies the token itself with the
   * public keys from connection_ack (and refuses revoked tokens and tokens
   * for a deposit that is not the one in the door now), opens the door, and
   * records PICKUP_QR_OFFLINE with the token so the server learns of it on
   * reconnect.
   */
  async scanPickupQr(token: string): Promise<PickupAnswer | OfflinePickup> {
    if (this.#connected) {
      const d = await this.#request<{ redeemPickupQr: PickupAnswer }>(this.#generation, REDEEM_QR, {
        token,
        hint: null,
      });
      return d.redeemPickupQr;
    }
    const deposits = new Map([...this.#compartments.values()].map((c) => [c.label, c.depositId]));
    const check = await this.#pickup.verify(token, this.#bankId, deposits);
    if (!check.ok) return { __typename: 'PickupRefused', message: check.reason, retryAfterSeconds: null };
    this.#pickup.markUsed(check.tokenId);
    this.record(check.label, 'PICKUP_QR_OFFLINE', token);
    this.#door(check.label, 'OPEN');
    this.#scheduleAutoClose(check.label);
    return { __typename: 'OfflinePickup', compartmentLabel: check.label };
  }

  // ===========================================================================
  // Requests over the socket
  // ===========================================================================

  /**
   * One query or mutation over the shared socket. Rejects with
   * GraphQLRequestError when the server answered with errors, and with
   * ConnectionLostError when the connection went away first. In that case the
   * request is also unsubscribed, so graphql-ws does not quietly send it again
   * after reconnecting: resending is our decision (events go oldest first).
   */
  #request<T>(generation: number, query: string, variables: Record<string, unknown>): Promise<T> {
    const client = this.#client;
    if (!client || generation !== this.#generation || !this.#connected) {
      return Promise.reject(new ConnectionLostError('not connected'));
    }
    return new Promise<T>((resolve, reject) => {
      let last: FormattedExecutionResult<Record<string, unknown>, unknown> | undefined;
      let settled = false;
      const finish = (settle: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.#openRequests.delete(abort);
        settle();
      };
      const unsubscribe = client.subscribe<Record<string, unknown>>(
        { query, variables },
        {
          next: (result) => {
            last = result;
          },
          error: (error: unknown) =>
            finish(() =>
              reject(
                Array.isArray(error)
                  ? new GraphQLRequestError(error as { message: string }[])
                  : new ConnectionLostError(describe(error)),
              ),
            ),
          complete: () =>
            finish(() => {
              if (last?.errors?.length) reject(new GraphQLRequestError(last.errors));
              else if (last?.data) resolve(last.data as T);
              else reject(new ConnectionLostError('the operation completed without a result'));
            }),
        },
      );
      const abort = (error: Error) =>
        finish(() => {
          unsubscribe();
          reject(error);
        });
      this.#openRequests.add(abort);
      const timer = setTimeout(() => {
        abort(new ConnectionLostError(`no answer within ${this.#requestTimeoutMs} ms`));
        // A request unanswered for this long means a dead link (e.g. a
        // half-open TCP connection): drop the socket; graphql-ws reconnects.
        if (generation === this.#generation) {
          this.#logger.warn(`${this.name}: request timed out; reconnecting`);
          client.terminate();
        }
      }, this.#requestTimeoutMs);
    });
  }

  #abortRequests(error: Error): void {
    const open = [...this.#openRequests];
    this.#openRequests.clear();
    for (const abort of open) abort(error);
  }

  // ===========================================================================
  // Events: the outbox pump
  // ===========================================================================

  #schedulePump(delayMs: number): void {
    if (this.#pumpTimer) {
      if (delayMs > 0) return; // already scheduled; a sooner request wins below
      clearTimeout(this.#pumpTimer);
    }
    this.#pumpTimer = setTimeout(() => {
      this.#pumpTimer = undefined;
      this.#pump();
    }, delayMs);
  }

  /** Sends the next batch if connected and nothing is in flight. */
  #pump(): void {
    if (!this.#connected || this.#inFlight !== null || this.#outbox.size === 0) return;
    const generation = this.#generation;
    const batchId = ++this.#batchCounter;
    const batch = this.#outbox.nextBatch(this.#maxBatch);
    this.#inFlight = batchId;
    this.#stats.batches++;
    this.#stats.sent += batch.length;
    this.#logger.debug(`${this.name}: sending events #${batch[0]?.seq}–#${batch.at(-1)?.seq}`);

    this.#request<{ reportLockerEvents: unknown }>(generation, REPORT_EVENTS, { events: batch }).then(
      (data) => {
        if (this.#inFlight !== batchId) return; // the connection was torn down meanwhile
        this.#inFlight = null;
        this.#batchFailures = 0;
        this.#onReply(batch.length, data.reportLockerEvents);
        this.#schedulePump(0);
      },
      (error: unknown) => {
        if (this.#inFlight !== batchId) return;
        this.#inFlight = null;
        if (!(error instanceof GraphQLRequestError)) return; // connection lost: #onConnected resumes
        // The server read the batch and refused it (validation, rate limit…).
        // Never drop events: keep them and try again after a back-off.
        const limit = error.errors[0]?.extensions?.limit;
        if (typeof limit === 'number' && limit >= 1 && limit < this.#maxBatch) {
          this.#logger.warn(`${this.name}: server takes at most ${limit} events per batch; splitting`);
          this.#maxBatch = limit;
          this.#schedulePump(0);
          return;
        }
        const delay = backoffDelay(this.#batchFailures++, this.#retry, this.#random);
        this.#logger.warn(
          `${this.name}: server refused a batch of ${batch.length} events (${error.message}); retrying in ${delay} ms`,
        );
        this.#schedulePump(delay);
      },
    );
  }

  #onReply(sent: number, raw: unknown): void {
    const parsed = replySchema.safeParse(raw);
    if (!parsed.success) {
      this.#logger.error(`${this.name}: unreadable reportLockerEvents answer: ${JSON.stringify(raw)}`);
      return;
    }
    const reply = parsed.data;
    const result = this.#outbox.applyReply({
      acceptedThroughSeq: reply.acceptedThroughSeq,
      resendFromSeq: reply.resendFromSeq ?? null,
    });
    this.#stats.acknowledged += result.dropped;
    this.#stats.stored += reply.stored;
    this.#stats.duplicates += reply.duplicates;
    this.#stats.rejected += reply.rejected.length;
    if (result.serverBehind) {
      this.#logger.warn(
        `${this.name}: the server's log went back to #${reply.acceptedThroughSeq}; queue renumbered to follow it`,
      );
    }
    if (reply.resendFromSeq != null) {
      this.#logger.info(
        `${this.name}: server asked to resend from #${reply.resendFromSeq}; resending from #${result.resendFromSeq ?? '-'}`,
      );
    }
    for (const r of reply.rejected) this.#logger.warn(`${this.name}: server rejected event #${r.seq}: ${r.reason}`);
    this.#emitter.emit('acknowledged', {
      sent,
      acceptedThroughSeq: reply.acceptedThroughSeq,
      stored: reply.stored,
      duplicates: reply.duplicates,
      rejected: reply.rejected,
      resendFromSeq: reply.resendFromSeq ?? null,
      pending: this.#outbox.size,
    });
    this.#settleFlushWaiters();
  }

  #settleFlushWaiters(): void {
    const still: FlushWaiter[] = [];
    for (const w of this.#flushWaiters) {
      if (this.#outbox.isSettled(w.localId)) {
        clearTimeout(w.timer);
        w.resolve();
      } else {
        still.push(w);
      }
    }
    this.#flushWaiters = still;
  }

  // ===========================================================================
  // Commands
  // ===========================================================================

  /**
   * One subscription per client. graphql-ws re-sends it on every reconnect of
   * that client by itself; only if the server ends or errors it do we
   * subscribe again (after a short pause, to not spin on a persistent error).
   */
  #subscribeCommands(client: Client, generation: number): void {
    const resubscribe = (why: string) => {
      if (generation !== this.#generation) return;
      this.#logger.warn(`${this.name}: commands subscription ended (${why}); subscribing again`);
      clearTimeout(this.#resubscribeTimer);
      this.#resubscribeTimer = setTimeout(() => {
        this.#resubscribeTimer = undefined;
        if (generation === this.#generation && this.#client === client) this.#subscribeCommands(client, generation);
      }, this.#retry.minMs);
    };
    client.subscribe<{ lockerCommands: unknown }>(
      { query: LOCKER_COMMANDS },
      {
        next: (result) => {
          if (generation !== this.#generation) return;
          if (result.errors?.length) {
            this.#logger.warn(
              `${this.name}: commands subscription error: ${result.errors.map((e) => e.message).join('; ')}`,
            );
          }
          if (result.data?.lockerCommands) this.#onCommand(result.data.lockerCommands);
        },
        error: (error: unknown) => resubscribe(Array.isArray(error) ? JSON.stringify(error) : describe(error)),
        complete: () => resubscribe('completed by the server'),
      },
    );
  }

  #onCommand(raw: unknown): void {
    const receivedAt = Date.now();
    const parsed = commandSchema.safeParse(raw);
    if (!parsed.success) {
      this.#logger.error(`${this.name}: unreadable command ${JSON.stringify(raw)}`);
      return;
    }
    const command: LockerCommand = parsed.data;
    this.#stats.commands++;
    if (command.kind === 'REVOKE_PICKUP_TOKEN') {
      // Refuse this QR from now on, even while offline.
      if (command.tokenId) this.#pickup.revoke(command.tokenId);
      this.#emitter.emit('command', { command, outcome: 'DONE', duplicate: false });
      this.#acknowledge(command.id, 'DONE');
      return;
    }
    if (command.kind !== 'OPEN_COMPARTMENT') {
      this.#logger.warn(`${this.name}: ignoring command ${command.id} of unknown kind ${command.kind}`);
      return;
    }
    const previous = this.#commandMemory.get(command.id);
    if (previous === 'IN_PROGRESS') return; // a resend while we are still on it
    if (previous) {
      // Seen before: our acknowledgement was probably lost. Say the same
      // thing again; do not open the door a second time.
      this.#logger.info(`${this.name}: command ${command.id} received again; acknowledging ${previous} again`);
      this.#emitter.emit('command', { command, outcome: previous, duplicate: true });
      this.#acknowledge(command.id, previous);
      return;
    }
    this.#commandMemory.set(command.id, 'IN_PROGRESS');
    if (this.#commandDelayMs > 0) {
      const timer = setTimeout(() => {
        this.#commandTimers.delete(timer);
        this.#carryOut(command, receivedAt);
      }, this.#commandDelayMs);
      this.#commandTimers.add(timer);
    } else {
      this.#carryOut(command, receivedAt);
    }
  }

  #carryOut(command: LockerCommand, receivedAt: number): void {
    const outcome = decideOpen(command, {
      receivedAt,
      now: Date.now(),
      labels: new Set(this.#compartments.keys()),
      jammed: this.#jammed,
    });
    this.#commandMemory.set(command.id, outcome);
    if (outcome === 'OPENED') {
      this.#stats.opened++;
      const label = command.compartmentLabel;
      // A deposit's opening says what the door holds from now on: only QRs for it open it offline.
      const compartment = this.#compartments.get(label);
      if (compartment && command.depositId) compartment.depositId = command.depositId;
      // Unlocking an open door changes nothing physically: no second DOOR_OPENED.
      this.#door(label, 'OPEN');
      if (this.#simulatePeople) this.#personAtDoor(label, command.via ?? null);
      this.#scheduleAutoClose(label);
    }
    this.#logger.info(`${this.name}: command ${command.id} OPEN_COMPARTMENT ${command.compartmentLabel} → ${outcome}`);
    this.#emitter.emit('command', { command, outcome, duplicate: false });
    this.#acknowledge(command.id, outcome);
  }

  /** Someone puts a parcel in or takes it out, a moment after the door opens and before it closes. */
  #personAtDoor(label: string, via: string | null): void {
    const putsIn = via === 'DEPOSIT' || via === 'COURIER_DEPOSIT';
    const takesOut = via === 'CODE' || via === 'QR' || via === 'REMOTE' || via === 'RECALL';
    if (!putsIn && !takesOut) return;
    if (putsIn) this.#inService.add(label);
    else this.#inService.delete(label);
    const delay = Number.isFinite(this.#closeAfterMs) ? Math.max(0, this.#closeAfterMs / 2) : 500;
    const timer = setTimeout(() => {
      this.#commandTimers.delete(timer);
      const c = this.#compartments.get(label);
      if (!c || c.door !== 'OPEN') return;
      if (putsIn && !c.occupied) this.record(label, 'OCCUPIED');
      if (takesOut) this.record(label, 'EMPTY');
    }, delay);
    this.#commandTimers.add(timer);
  }

  #scheduleAutoClose(label: string): void {
    clearTimeout(this.#doorTimers.get(label));
    this.#doorTimers.delete(label);
    if (!Number.isFinite(this.#closeAfterMs)) return; // Infinity: the door stays open
    const timer = setTimeout(
      () => {
        this.#doorTimers.delete(label);
        this.#door(label, 'CLOSED');
      },
      Math.max(0, this.#closeAfterMs),
    );
    this.#doorTimers.set(label, timer);
  }

  /**
   * Sends an acknowledgement. Kept in #pendingAcks until the server answers,
   * and resent after a reconnect if the connection dropped first (the server
   * may also resend the command; we then acknowledge it again, see #onCommand).
   */
  #acknowledge(id: string, outcome: CommandOutcome): void {
    this.#pendingAcks.set(id, outcome);
    if (!this.#connected) return;
    const generation = this.#generation;
    this.#request(generation, ACKNOWLEDGE_COMMAND, { id, outcome }).then(
      () => {
        if (this.#pendingAcks.get(id) === outcome) this.#pendingAcks.delete(id);
      },
      (error: unknown) => {
        if (error instanceof GraphQLRequestError) {
          // The server answered; repeating the same request cannot change that.
          this.#logger.warn(`${this.name}: acknowledging command ${id} (${outcome}) failed: ${error.message}`);
          this.#pendingAcks.delete(id);
        }
      },
    );
  }

  #resendAcks(): void {
    for (const [id, outcome] of [...this.#pendingAcks]) this.#acknowledge(id, outcome);
  }

  // ===========================================================================
  // Simulated compartment state
  // ===========================================================================

  #learnCompartments(specs: AckCompartment[]): void {
    const next = new Map<string, Compartment>();
    for (const spec of specs) {
      const known = this.#compartments.get(spec.label);
      // The server's word on each door's deposit replaces ours on every connect.
      const depositId = spec.depositId ?? null;
      next.set(
        spec.label,
        known
          ? { ...known, size: spec.size, hasCharging: spec.hasCharging, depositId }
          : { ...spec, depositId, door: 'CLOSED', occupied: false, charging: 'IDLE', faulted: false },
      );
    }
    this.#compartments = next;
  }

  #door(label: string, target: DoorState): LockerEventInput[] {
    const c = this.#compartments.get(label);
    if (c && c.door === target) return [];
    return [this.record(label, target === 'OPEN' ? 'DOOR_OPENED' : 'DOOR_CLOSED')];
  }

  #applyToState(label: string, kind: DeviceEventKind): void {
    const c = this.#compartments.get(label);
    if (!c) return;
    switch (kind) {
      case 'DOOR_OPENED':
        c.door = 'OPEN';
        break;
      case 'DOOR_CLOSED':
        c.door = 'CLOSED';
        // Closed by hand before the auto-close: nothing left to close.
        clearTimeout(this.#doorTimers.get(label));
        this.#doorTimers.delete(label);
        break;
      case 'OCCUPIED':
        c.occupied = true;
        break;
      case 'EMPTY':
        c.occupied = false;
        c.charging = 'IDLE';
        break;
      case 'CHARGING':
        c.charging = 'CHARGING';
        break;
      case 'CHARGED':
        c.charging = 'CHARGED';
        break;
      case 'FAULT':
        c.faulted = true;
        break;
      case 'FAULT_CLEARED':
        c.faulted = false;
        break;
      case 'TAMPER':
        break;
    }
  }

  #view(c: Compartment): CompartmentView {
    return {
      label: c.label,
      size: c.size,
      hasCharging: c.hasCharging,
      door: c.door,
      occupied: c.occupied,
      charging: c.charging,
      faulted: c.faulted,
      jammed: this.#jammed.has(c.label),
      inService: this.#inService.has(c.label),
      depositId: c.depositId,
    };
  }
}
