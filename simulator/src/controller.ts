/**
 * A simulated locker-bank controller: the reference controller of the
 * Baylight device protocol, version 2 (server/src/devices/PROTOCOL.md). It
 * speaks only the public protocol (schema.graphql, "Device protocol" fields)
 * over one graphql-ws connection, like third-party firmware would:
 *
 * - connection_init carries the device token, the highest protocol version we
 *   speak (2) and what this controller is (model, serial, firmware,
 *   capabilities, its clock). connection_ack says which version both speak
 *   (a version 1 server gets version 1 behaviour), the server's time (kept as
 *   serverOffset, which offline QR expiry is judged by), the limits to keep
 *   to, the bank, its compartments, and how far the server's log of our
 *   events goes in the current token generation;
 * - every physical happening is an event with a per-controller seq, kept in a
 *   persistent journal (outbox.ts, journal.ts) until the server confirms it,
 *   sent one batch at a time (by count and by size), oldest first, and resent
 *   after any failure. Rejected and flagged events are stored by the server
 *   and leave the journal; conflicts renumber it; seqs the journal no longer
 *   holds are declared lost (markLockerEventsLost);
 * - `lockerCommands` delivers commands, answered with `acknowledgeCommand`;
 * - version 2: a health report after every ack and every
 *   limits.healthIntervalSeconds.
 *
 * Connection policy (PROTOCOL.md 2, 8, 9): 4403 (token refused) is final.
 * 4000 / 4002 (another connection with our token took over): keep our newer
 * connection if we hold one, else reconnect after back-off (from 1 s, growing
 * with each one in a row), warning of a shared token after several in a row.
 * Every other close — 4001, 4400, 1009 (with smaller batches), unknown 4xxx,
 * server restarts, network loss — is retried forever with bounded, jittered
 * exponential back-off.
 */
import { createHash } from 'node:crypto';
import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import { z } from 'zod';
import { backoffDelay, DEFAULT_RETRY, validateRetry, type RetryOptions } from './backoff.js';
import { CommandMemory, decideOpen } from './commands.js';
import type { JournalStore } from './journal.js';
import { OfflinePickupVerifier, type OfflinePickup, type PickupAnswer } from './pickup.js';
import { TypedEmitter } from './emitter.js';
import { eventBytes, Outbox, type ReplyResult } from './outbox.js';
import { setLongTimeout, type LongTimer } from './timers.js';
import {
  CloseCodes,
  COMPARTMENT_SIZES,
  CONTROLLER_CAPABILITIES,
  CURRENT_PROTOCOL_VERSION,
  DEFAULT_LIMITS,
  FRAME_ENVELOPE_BYTES,
  isBankEventKind,
  MAX_QR_CLOCK_SKEW_SECONDS,
  silentLogger,
  type AckCompartment,
  type BankEventKind,
  type CommandOutcome,
  type CompartmentEventKind,
  type CompartmentSize,
  type ControllerHealthInput,
  type ControllerInfo,
  type DeviceInitPayload,
  type DeviceLimits,
  type FaultCode,
  type LockerCommand,
  type LockerEventInput,
  type Logger,
  type ProtocolVersion,
} from './types.js';
import { SIMULATOR_VERSION } from './version.js';

export type ControllerStatus =
  /** connection_ack received: bankId and labels are known. */
  | 'connected'
  /** The connection was lost (or disconnect()/stop() was called). Retrying unless stopped. */
  | 'disconnected'
  /**
   * 4000 / 4002: another connection with our token took over (or was live
   * first). Not final: reconnecting after back-off.
   */
  | 'replaced'
  /** 4403: the token is missing, wrong or revoked. Final. */
  | 'refused'
  /** A connection_ack we cannot read, or a protocol version we do not speak. Final. */
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

export interface CommandAcknowledged {
  id: string;
  outcome: CommandOutcome;
  /** The command's status as the server answered it (DONE, FAILED, EXPIRED …). */
  status: string | null;
}

export interface BatchAcknowledged {
  sent: number;
  acceptedThroughSeq: number;
  stored: number;
  duplicates: number;
  rejected: { seq: number; reason: string }[];
  flagged: { seq: number; flag: string }[];
  conflicts: { seq: number; storedKind: string }[];
  /** Set when the server reported a gap; the queue is resent from here. */
  resendFromSeq: number | null;
  pending: number;
}

export interface EventsLost {
  fromSeq: number;
  throughSeq: number;
  reason: string;
}

export interface HealthReported {
  input: ControllerHealthInput;
  serverTime: string;
  clockOffsetMs: number;
}

export interface ControllerEvents {
  status: [status: ControllerStatus, info: StatusInfo];
  command: [handled: CommandHandled];
  /** The server confirmed an acknowledgement. */
  commandAcknowledged: [ack: CommandAcknowledged];
  /** An event was recorded (with its seq). */
  recorded: [event: LockerEventInput];
  /** The server answered a batch. */
  acknowledged: [ack: BatchAcknowledged];
  /** The server accepted a range of seqs as lost (markLockerEventsLost). */
  lost: [range: EventsLost];
  /** The server answered a health report. */
  health: [report: HealthReported];
}

export type DoorState = 'OPEN' | 'CLOSED';
export type ChargingState = 'IDLE' | 'CHARGING' | 'CHARGED';
export type PowerSource = 'MAINS' | 'BATTERY';

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
  flagged: number;
  /** Seqs the server held with other content (each renumbered and resent). */
  conflicts: number;
  /** Seqs declared lost with markLockerEventsLost. */
  lost: number;
  batches: number;
  /** Commands received (duplicates included). */
  commands: number;
  /** Doors opened by command. */
  opened: number;
  /** Health reports the server answered. */
  healthReports: number;
  /** WebSocket connections opened (attempts, successful or not). */
  connections: number;
  /** Closes with 4000 / 4002 on the connection in use. */
  replaced: number;
}

export interface SimulatedControllerOptions {
  /** graphql-ws URL of the server, e.g. ws://localhost:4000/graphql. */
  url: string;
  deviceToken: string;
  /** Shown in log lines; defaults to the bank name once connected. Also what the default serial is made from. */
  name?: string;
  /** The highest protocol version to offer. Default 2; 1 simulates a version 1 controller (deprecated). */
  protocolVersion?: ProtocolVersion;
  /** connection_init `controller.model`. Default "Baylight Simulator". At most 100 characters. */
  model?: string;
  /** connection_init `controller.serial`. Default "SIM-" + the name (or a hash of the token). At most 100 characters. */
  serial?: string;
  /** connection_init `controller.firmware`. Default the simulator's package version. */
  firmware?: string;
  /** What this bank can do (ControllerCapability names). Default: all of them. */
  capabilities?: string[];
  /** The simulated controller's clock runs this far ahead of the host's (negative: behind). Default 0. */
  clockSkewMs?: number;
  /** Reported in health reports as the uplink's signal strength, if set. */
  signalDbm?: number;
  /** Reported in health reports as the cabinet temperature, if set. */
  temperatureC?: number;
  /** How often to send a health report; default the server's limits.healthIntervalSeconds. */
  healthIntervalMs?: number;
  /**
   * Persistent storage for the journal (outbox): a FileJournal keeps events
   * and the seq counter across restarts. Default: memory only.
   */
  journal?: JournalStore;
  /** How long a door opened by command stays open before DOOR_CLOSED. Default 4000; Infinity = never. */
  closeAfterMs?: number;
  /**
   * Act out the person at the door: after a door opens for a deposit the
   * parcel goes in (OCCUPIED); for a pickup or recall it comes out (EMPTY),
   * before the door closes. Default false: tests record what they want.
   */
  simulatePeople?: boolean;
  /** Reconnect back-off bounds. Default { minMs: 1000, maxMs: 30000 } (PROTOCOL.md 2). */
  retry?: RetryOptions;
  /**
   * How long record() waits before sending, so events recorded together
   * (deposit() records three) travel in one batch. Default 10 ms.
   */
  flushIntervalMs?: number;
  /** A request with no answer after this long means a dead link: the socket is dropped and reopened. Default 15000. */
  requestTimeoutMs?: number;
  /** Events per reportLockerEvents, at most what the server's limits.maxBatchEvents allow. Default: that limit. */
  maxBatchSize?: number;
  /** Simulated latency between receiving a command and acting on it. Default 0. */
  commandDelayMs?: number;
  /** Where seq numbering resumes for a controller with saved state but no journal. Default 0 (fresh). */
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
  extension(name: string): unknown {
    return this.errors[0]?.extensions?.[name];
  }
}

/** After this many 4000 / 4002 in a row, the operator is told another device may use the token. */
export const REPLACED_WARNING_AFTER = 3;

const DEFAULT_MODEL = 'Baylight Simulator';

/** PROTOCOL.md 1: free text at most 100 characters, at most 32 capabilities of at most 40. */
const INIT_TEXT_MAX = 100;
const INIT_CAPABILITIES_MAX = 32;
const INIT_CAPABILITY_MAX = 40;

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
        message
      }
      flagged {
        seq
        flag
        message
      }
      conflicts {
        seq
        storedKind
        storedLabel
        storedAt
      }
    }
  }
`;

/** Version 1 servers know no flags or conflicts: asking for them would fail validation. */
const REPORT_EVENTS_V1 = /* GraphQL */ `
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

const MARK_LOST = /* GraphQL */ `
  mutation MarkLockerEventsLost($from: SafeInt!, $through: SafeInt!, $reason: String!) {
    markLockerEventsLost(fromSeq: $from, throughSeq: $through, reason: $reason) {
      acceptedThroughSeq
    }
  }
`;

const REPORT_HEALTH = /* GraphQL */ `
  mutation ReportControllerHealth($input: ControllerHealthInput!) {
    reportControllerHealth(input: $input) {
      serverTime
      clockOffsetMs
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

// What we read of connection_ack. Version 2 fields are optional: a version 1
// server sends none of them. Unknown fields are ignored (PROTOCOL.md 9).
const ackSchema = z.object({
  protocolVersion: z.number().int().optional(),
  deprecation: z.string().nullish(),
  server: z
    .object({
      name: z.string().optional(),
      version: z.string().optional(),
      time: z.string().optional(),
    })
    .optional(),
  limits: z.record(z.string(), z.unknown()).optional(),
  bankId: z.string().min(1),
  bankName: z.string(),
  generation: z.number().int().min(1).optional(),
  acceptedThroughSeq: z.number().int().min(0),
  clockOffsetMs: z.number().nullish(),
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
  rejected: z.array(z.object({ seq: z.number().int(), reason: z.string(), message: z.string().optional() })),
  // Absent from version 1 answers.
  flagged: z
    .array(z.object({ seq: z.number().int(), flag: z.string(), message: z.string().optional() }))
    .optional()
    .default([]),
  conflicts: z
    .array(
      z.object({
        seq: z.number().int(),
        storedKind: z.string(),
        storedLabel: z.string().nullish(),
        storedAt: z.string(),
      }),
    )
    .optional()
    .default([]),
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

const healthAnswerSchema = z.object({ serverTime: z.string(), clockOffsetMs: z.number() });

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
const FINAL_CODES = new Set<number>([CloseCodes.Forbidden]);

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

/** The server's schema lacks the operation (an older server): refused before it ran. */
function unknownOperation(error: GraphQLRequestError): boolean {
  return error.code === 'GRAPHQL_VALIDATION_FAILED' || /Cannot query field/.test(error.message);
}

/** A serial from the bank's name ("Student Union" → "SIM-STUDENT-UNION"), or from the token. */
function defaultSerial(name: string | undefined, token: string): string {
  const slug = (name ?? '')
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .toUpperCase()
    .slice(0, 80);
  if (slug) return `SIM-${slug}`;
  return `SIM-${createHash('sha256').update(token).digest('hex').slice(0, 12).toUpperCase()}`;
}

/** A cut may split a surrogate pair (an emoji): drop the orphaned half. */
function withoutBrokenPair(text: string): string {
  const last = text.charCodeAt(text.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? text.slice(0, -1) : text;
}

function readLimits(raw: Record<string, unknown> | undefined): DeviceLimits {
  const limits: DeviceLimits = { ...DEFAULT_LIMITS };
  if (!raw) return limits;
  for (const key of Object.keys(DEFAULT_LIMITS) as (keyof DeviceLimits)[]) {
    const value = raw[key];
    if (typeof value === 'number' && Number.isFinite(value) && value > 0) limits[key] = value;
  }
  limits.maxBatchEvents = Math.max(1, Math.floor(limits.maxBatchEvents));
  return limits;
}

export class SimulatedController {
  readonly #url: string;
  readonly #token: string;
  readonly #offeredVersion: ProtocolVersion;
  readonly #info: ControllerInfo;
  readonly #clockSkewMs: number;
  readonly #signalDbm: number | undefined;
  readonly #temperatureC: number | undefined;
  readonly #healthIntervalMs: number | undefined;
  readonly #closeAfterMs: number;
  readonly #simulatePeople: boolean;
  /** Labels holding something the server put there by command (a parcel): random activity avoids them. */
  readonly #inService = new Set<string>();
  readonly #retry: RetryOptions;
  readonly #flushIntervalMs: number;
  readonly #requestTimeoutMs: number;
  readonly #commandDelayMs: number;
  readonly #maxBatchOption: number;
  readonly #logger: Logger;
  readonly #random: () => number;
  readonly #emitter: TypedEmitter<ControllerEvents>;
  readonly #outbox: Outbox;
  /** Monotonic instant of construction: uptime counts from here. */
  readonly #bootedAt = performance.now();
  #name: string | undefined;

  // --- connection -----------------------------------------------------------
  /**
   * Bumped whenever a client is torn down. Every callback of a client checks
   * its generation first: a closing client's late events (its close frame,
   * a reply racing the close) must not touch the state of its successor.
   * (Not the token generation: that one is #tokenGeneration.)
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
  /** 4000 / 4002 closes in a row on the connection in use (another device may hold our token). */
  #replacedInARow = 0;

  // --- what the last connection_ack said -------------------------------------
  /** The version spoken on the current (or last) connection; null before the first ack. */
  #protocolVersion: ProtocolVersion | null = null;
  #limits: DeviceLimits = { ...DEFAULT_LIMITS };
  /** server.time − our clock, from the last ack (or health answer). 0 until measured. */
  #serverOffsetMs = 0;
  #serverOffsetKnown = false;
  #serverVersion: string | undefined;
  #deprecationLogged = false;
  /** The server answered reportControllerHealth as unknown (an older server): not sent again. */
  #healthUnsupported = false;
  /** The server answered markLockerEventsLost as unknown (an older server): we renumber instead. */
  #lostUnsupported = false;
  #healthTimer: LongTimer | undefined;

  // --- bank -----------------------------------------------------------------
  #bankId: string | undefined;
  #bankName: string | undefined;
  #compartments = new Map<string, Compartment>();
  #jammed = new Set<string>();
  #doorTimers = new Map<string, LongTimer>();
  #power: PowerSource = 'MAINS';

  // --- sending --------------------------------------------------------------
  #pumpTimer: LongTimer | undefined;
  #pumpDueAt = Number.POSITIVE_INFINITY;
  /** Id of the request in flight (a batch or a lost range); null when none. One at a time keeps the server's log in order. */
  #inFlight: number | null = null;
  #batchCounter = 0;
  #batchFailures = 0;
  /** Lowered when the server refuses a batch as too big (extensions.limit) or closes with 1009. */
  #splitLimit = Number.POSITIVE_INFINITY;
  #byteDivisor = 1;
  #flushWaiters: FlushWaiter[] = [];

  // --- commands -------------------------------------------------------------
  #commandMemory = new CommandMemory();
  /** Acknowledgements not yet confirmed by the server; resent after a reconnect. */
  #pendingAcks = new Map<string, { outcome: CommandOutcome; detail: string | null }>();
  #commandTimers = new Set<LongTimer>();

  #stats: ControllerStats = {
    recorded: 0,
    sent: 0,
    acknowledged: 0,
    stored: 0,
    duplicates: 0,
    rejected: 0,
    flagged: 0,
    conflicts: 0,
    lost: 0,
    batches: 0,
    commands: 0,
    opened: 0,
    healthReports: 0,
    connections: 0,
    replaced: 0,
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
    const version = options.protocolVersion ?? CURRENT_PROTOCOL_VERSION;
    if (version !== 1 && version !== 2) throw new TypeError(`protocolVersion must be 1 or 2, got ${String(version)}`);
    this.#url = options.url;
    this.#token = options.deviceToken;
    this.#name = options.name;
    this.#offeredVersion = version;
    this.#info = {
      model: options.model ?? DEFAULT_MODEL,
      serial: options.serial ?? defaultSerial(options.name, options.deviceToken),
      firmware: options.firmware ?? SIMULATOR_VERSION,
      capabilities: [...(options.capabilities ?? CONTROLLER_CAPABILITIES)],
    };
    // The server refuses a connection_init breaking these with 4400, again
    // on every reconnect: refuse them here, once.
    for (const field of ['model', 'serial', 'firmware'] as const) {
      if (this.#info[field].length > INIT_TEXT_MAX) {
        throw new TypeError(`${field} is at most ${INIT_TEXT_MAX} characters`);
      }
    }
    if (this.#info.capabilities.length > INIT_CAPABILITIES_MAX) {
      throw new TypeError(`at most ${INIT_CAPABILITIES_MAX} capabilities`);
    }
    const tooLong = this.#info.capabilities.find((c) => c.length > INIT_CAPABILITY_MAX || c.length === 0);
    if (tooLong !== undefined)
      throw new TypeError(`capability "${tooLong}" must be 1–${INIT_CAPABILITY_MAX} characters`);
    this.#clockSkewMs = options.clockSkewMs ?? 0;
    if (!Number.isFinite(this.#clockSkewMs)) throw new TypeError('clockSkewMs must be a finite number');
    this.#signalDbm = options.signalDbm;
    this.#temperatureC = options.temperatureC;
    this.#healthIntervalMs = options.healthIntervalMs;
    this.#closeAfterMs = options.closeAfterMs ?? 4000;
    this.#simulatePeople = options.simulatePeople ?? false;
    this.#retry = validateRetry(options.retry ?? DEFAULT_RETRY);
    this.#flushIntervalMs = Math.max(0, options.flushIntervalMs ?? 10);
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 15_000;
    this.#maxBatchOption = Math.max(1, options.maxBatchSize ?? Number.POSITIVE_INFINITY);
    this.#commandDelayMs = Math.max(0, options.commandDelayMs ?? 0);
    this.#logger = options.logger ?? silentLogger;
    this.#random = options.random ?? Math.random;
    this.#outbox = new Outbox({
      acceptedThroughSeq: options.acceptedThroughSeq ?? 0,
      ...(options.journal ? { journal: options.journal } : {}),
    });
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

  /** The token generation the journal's numbering belongs to (null until a version 2 server named one). */
  get tokenGeneration(): number | null {
    return this.#outbox.generation;
  }

  /** The protocol version spoken on the current (or last) connection; null before the first connection_ack. */
  get protocolVersion(): ProtocolVersion | null {
    return this.#protocolVersion;
  }

  /** The limits the server announced (PROTOCOL.md's defaults until it did). */
  get limits(): Readonly<DeviceLimits> {
    return { ...this.#limits };
  }

  /** server.time − this controller's clock, measured at the last connection_ack; null until measured. */
  get serverOffsetMs(): number | null {
    return this.#serverOffsetKnown ? this.#serverOffsetMs : null;
  }

  /** What connection_init says about this controller. */
  get controllerInfo(): Readonly<ControllerInfo> {
    return { ...this.#info, capabilities: [...this.#info.capabilities] };
  }

  /** The simulated power source (BATTERY after POWER_LOST or UPS_ON_BATTERY, MAINS after POWER_RESTORED). */
  get power(): PowerSource {
    return this.#power;
  }

  /** True between connection_ack and the connection closing. */
  get connected(): boolean {
    return this.#connected;
  }

  /** Set once the controller stopped for good (refused or failed). */
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
   * retrying (never rejects) while the server is unreachable or another
   * connection holds the token. Rejects if the server refuses the token
   * (4403), the connection_ack is unusable, or stop() is called first.
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
    for (const timer of this.#doorTimers.values()) timer.cancel();
    this.#doorTimers.clear();
    for (const timer of this.#commandTimers) timer.cancel();
    this.#commandTimers.clear();
    this.#cancelPump();
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
    this.#replacedInARow = 0; // we reconnect ourselves from here on
    await this.#teardown('disconnect() called');
  }

  /** Ends a simulated outage: connects again; resolves when ready (as start()). */
  reconnect(): Promise<void> {
    this.#replacedInARow = 0;
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
   * Waits for the next command this controller handles (after it acted on it), or the next
   * one `match` accepts. Handy in tests: `const { command } = await sim.nextCommand()`.
   */
  nextCommand(timeoutMs = 10_000, match?: (handled: CommandHandled) => boolean): Promise<CommandHandled> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`${this.name}: no ${match ? 'matching ' : ''}command within ${timeoutMs} ms`));
      }, timeoutMs);
      const off = this.onCommand((handled) => {
        if (match && !match(handled)) return;
        clearTimeout(timer);
        off();
        resolve(handled);
      });
    });
  }

  /**
   * Records a compartment event with the next seq and the current time (this
   * controller's clock), updates the simulated compartment state to match,
   * and sends it soon. Any label is accepted (the server rejects unknown ones
   * with UNKNOWN_COMPARTMENT, which tests may want). `detail` is cut to the
   * server's limits. The returned seq can change if the server's log turns
   * out to be ahead of or behind ours (see Outbox.applyAck).
   */
  record(label: string, kind: CompartmentEventKind, detail?: string, code?: string): LockerEventInput {
    return this.#record({ label, kind, ...(detail !== undefined ? { detail } : {}), ...(code ? { code } : {}) });
  }

  /**
   * Records an event exactly as given, with no check and no cutting: what
   * firmware newer than the server (an unknown kind), or a buggy one (a time
   * without a zone, an oversized detail), would send. The server stores it,
   * rejected or flagged, and the journal moves on. `at` defaults to now.
   */
  recordEvent(input: { kind: string; label?: string; at?: string; code?: string; detail?: string }): LockerEventInput {
    return this.#record({ ...input, at: input.at ?? this.#isoNow() }, { raw: true });
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

  /**
   * A compartment fault: a standard fault `code` (FaultCode; another is kept
   * by the server and shown as OTHER) plus free-text `detail`.
   */
  fault(
    label: string,
    detail = 'E17 lock sensor not responding',
    code: FaultCode | (string & {}) = 'LOCK_NO_RESPONSE',
  ): LockerEventInput[] {
    return this.#compartments.get(label)?.faulted ? [] : [this.record(label, 'FAULT', detail, code)];
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

  /**
   * A bank-level event (version 2, capability BANK_EVENTS): no label. Not
   * recorded when this controller lacks the capability or the server speaks
   * version 1, which has no bank-level kinds (the answer is then []).
   */
  bankEvent(kind: BankEventKind, detail?: string): LockerEventInput[] {
    if (!this.#info.capabilities.includes('BANK_EVENTS')) {
      this.#logger.warn(`${this.name}: ${kind} not recorded: this controller lacks the BANK_EVENTS capability`);
      return [];
    }
    if ((this.#protocolVersion ?? this.#offeredVersion) < 2) {
      this.#logger.warn(`${this.name}: ${kind} not recorded: protocol version 1 has no bank-level events`);
      return [];
    }
    return [this.#record({ kind, ...(detail !== undefined ? { detail } : {}) })];
  }

  /** Mains power lost (the UPS carries on): health reports say BATTERY. */
  powerLost(detail?: string): LockerEventInput[] {
    return this.bankEvent('POWER_LOST', detail);
  }

  powerRestored(detail?: string): LockerEventInput[] {
    return this.bankEvent('POWER_RESTORED', detail);
  }

  upsOnBattery(detail?: string): LockerEventInput[] {
    return this.bankEvent('UPS_ON_BATTERY', detail);
  }

  upsBatteryLow(detail?: string): LockerEventInput[] {
    return this.bankEvent('UPS_BATTERY_LOW', detail);
  }

  /** The service panel or controller housing was opened or forced. */
  cabinetTamper(detail = 'service panel opened'): LockerEventInput[] {
    return this.bankEvent('CABINET_TAMPER', detail);
  }

  temperatureHigh(celsius = 47.5): LockerEventInput[] {
    return this.bankEvent('TEMPERATURE_HIGH', `${celsius} C`);
  }

  temperatureNormal(celsius = 24): LockerEventInput[] {
    return this.bankEvent('TEMPERATURE_NORMAL', `${celsius} C`);
  }

  /** Makes a compartment's lock fail to release: OPEN_COMPARTMENT answers FAILED. */
  jam(label: string, jammed = true): void {
    if (jammed) this.#jammed.add(label);
    else this.#jammed.delete(label);
  }

  /**
   * Fault simulation: the seq counter is lost and numbering starts again from
   * 1 (the queued events survive). The server answers the next batch with
   * conflicts; the controller renumbers after the server's log and resends.
   */
  loseCounter(): void {
    this.#outbox.forgetCounter();
    this.#logger.warn(`${this.name}: seq counter lost (simulated); numbering from 1 again`);
  }

  /**
   * Fault simulation: the `count` oldest unacknowledged events vanish from the
   * journal (a storage fault). The server then asks for seqs we no longer
   * hold, and the controller declares them lost. Returns how many vanished.
   */
  loseOldestEvents(count: number): number {
    const n = this.#outbox.discardOldest(count);
    this.#logger.warn(`${this.name}: ${n} journal events lost (simulated)`);
    this.#settleFlushWaiters();
    return n;
  }

  // ===========================================================================
  // Connection
  // ===========================================================================

  /** This controller's clock: the host's, plus the simulated skew. */
  #clock(): number {
    return Date.now() + this.#clockSkewMs;
  }

  #isoNow(): string {
    return new Date(this.#clock()).toISOString();
  }

  #initPayload(): DeviceInitPayload {
    if (this.#offeredVersion < 2) return { deviceToken: this.#token };
    return {
      deviceToken: this.#token,
      protocolVersion: this.#offeredVersion,
      controller: { ...this.#info, capabilities: [...this.#info.capabilities], time: this.#isoNow() },
    };
  }

  #connect(): void {
    const generation = ++this.#generation;
    const retryAbort = new AbortController();
    this.#retryAbort = retryAbort;
    const sockets = new Set<WebSocket>();
    this.#sockets = sockets;
    const logger = this.#logger;
    const isCurrent = () => generation === this.#generation;
    const name = () => this.name;
    const stats = this.#stats;

    // A WebSocket that registers itself, so teardown can close a socket still
    // in its handshake (dispose() alone would let it finish connecting and
    // briefly take the token over from our own next connection). The extra
    // error listener keeps a late socket error from becoming an uncaught
    // exception after graphql-ws detached its own handler.
    class TrackedWebSocket extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols);
        sockets.add(this);
        stats.connections++;
        // Should a disposed client still open a socket, end it at once.
        if (!isCurrent()) queueMicrotask(() => this.terminate());
        this.on('error', (error) => logger.debug(`socket error: ${describe(error)}`));
        this.once('close', (code: number) => {
          sockets.delete(this);
          // A socket graphql-ws already gave up on (a request timed out, so
          // we terminated it and opened another) may still be closed by the
          // server with 4000 / 4002 when our newer one takes over: that is
          // our own doing, and the newer connection stays.
          if (code === CloseCodes.Replaced || code === CloseCodes.Superseded) {
            const newer = [...sockets].some((s) => s.readyState === WebSocket.OPEN);
            if (newer) logger.debug(`${name()}: an earlier socket was closed with ${code}; keeping the newer one`);
          }
        });
      }
    }

    const client = createClient({
      url: this.#url,
      // A function: each attempt sends the clock as it is then.
      connectionParams: () => this.#initPayload() as unknown as Record<string, unknown>,
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
    // graphql-ws counts attempts since the last successful connection, which
    // a replaced connection had: our own count of replacements in a row keeps
    // the back-off growing while another device holds the token.
    const step = Math.max(attempt, this.#replacedInARow - 1);
    const delay = backoffDelay(step, this.#retry, this.#random);
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
    const receivedAt = this.#clock();
    const parsed = ackSchema.safeParse(payload);
    if (!parsed.success) {
      this.#finish('failed', {
        message: `${this.name}: connection_ack is not a device ack (${parsed.error.issues[0]?.message ?? 'invalid'}); is ${this.#url} a Baylight server?`,
      });
      return;
    }
    const ack = parsed.data;
    // PROTOCOL.md 1: speak exactly the version the ack names; absent means 1.
    const spoken = ack.protocolVersion ?? 1;
    if (spoken !== 1 && spoken !== 2) {
      this.#finish('failed', {
        message:
          `${this.name}: the server wants protocol version ${spoken}; this controller speaks 1 and 2 ` +
          `(offered ${this.#offeredVersion}). Closing; update the controller or the server.`,
      });
      return;
    }
    if (spoken > this.#offeredVersion) {
      this.#finish('failed', {
        message: `${this.name}: the server answered protocol version ${spoken} to an offer of ${this.#offeredVersion}`,
      });
      return;
    }
    this.#protocolVersion = spoken;
    this.#limits = readLimits(ack.limits);
    const serverTime = ack.server?.time ? Date.parse(ack.server.time) : Number.NaN;
    if (Number.isFinite(serverTime)) {
      this.#serverOffsetMs = serverTime - receivedAt;
      this.#serverOffsetKnown = true;
    }
    if (ack.server?.version !== this.#serverVersion) {
      // Another server build may know what the previous one did not.
      this.#serverVersion = ack.server?.version;
      this.#healthUnsupported = false;
      this.#lostUnsupported = false;
    }
    if (ack.deprecation && !this.#deprecationLogged) {
      this.#deprecationLogged = true;
      this.#logger.warn(`${this.name}: the server says: ${ack.deprecation}`);
    }
    const tolerance = this.#limits.clockToleranceSeconds * 1000;
    if (typeof ack.clockOffsetMs === 'number' && Math.abs(ack.clockOffsetMs) > tolerance) {
      this.#logger.warn(
        `${this.name}: the server measures this controller's clock ${ack.clockOffsetMs} ms off (tolerance ${tolerance} ms); ` +
          `event times will be corrected and staff alerted`,
      );
    }

    this.#bankId = ack.bankId;
    this.#bankName = ack.bankName;
    this.#learnCompartments(ack.compartments);
    this.#pickup.learn(ack.pickupKeys ?? [], ack.revokedPickupTokens ?? []);
    this.#lastConnectError = '';
    this.#attemptsFailed = 0;

    const sync = this.#outbox.applyAck({
      acceptedThroughSeq: ack.acceptedThroughSeq,
      generation: ack.generation ?? null,
      followServerBack: spoken < 2,
    });
    if (sync.newGeneration) {
      this.#logger.info(
        `${this.name}: a new token generation (${ack.generation}); ${sync.renumbered} unsent events renumbered from #${ack.acceptedThroughSeq + 1}`,
      );
    } else if (sync.serverBehind) {
      this.#logger.warn(
        `${this.name}: the server's log ends at #${ack.acceptedThroughSeq}, before events it had confirmed; ` +
          (sync.renumbered > 0
            ? `${sync.renumbered} queued events renumbered to follow it.`
            : `keeping our numbering (a fresh log starts where it does; otherwise the gap is declared lost).`),
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
        `${this.name}: connected as bank ${ack.bankId} (${ack.compartments.length} compartments, protocol ${spoken}); ` +
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
      this.#startHealthReports(generation);
      this.#becomeReady(generation);
    });
  }

  /**
   * The server refuses OPEN_COMPARTMENT for a bank with no commands
   * subscription (BANK_OFFLINE) on some versions. A test that opens a door
   * right after start() must not race our subscribe message, so start()
   * resolves only after a round trip sent after it: the server reads one
   * socket's messages in order.
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
    this.#stopHealthReports();
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
      return;
    }
    if (code === CloseCodes.Replaced || code === CloseCodes.Superseded) {
      this.#onReplaced(code, reason, event);
      return;
    }
    this.#replacedInARow = 0;
    if (code === CloseCodes.MessageTooBig) {
      // Our batches keep to the announced limits, so the server's frame limit
      // is lower than it said: send half as much from now on.
      this.#byteDivisor *= 2;
      this.#splitLimit = Math.max(1, Math.floor(Math.min(this.#splitLimit, this.#batchEventLimit()) / 2));
      this.#logger.warn(`${this.name}: the server closed with 1009 (frame too large); sending smaller batches`);
    } else if (code === CloseCodes.BadRequest) {
      this.#logger.error(
        `${this.name}: the server closed with 4400${reason ? ` (${reason})` : ''}: it could not read something we sent. Reconnecting with back-off.`,
      );
    }
    this.#lastConnectError = describe(event);
    if (wasConnected) {
      this.#emitStatus('disconnected', {
        ...(code !== undefined ? { code } : {}),
        reason,
        message: `${this.name}: connection lost (${describe(event)}); reconnecting`,
      });
    }
  }

  /**
   * 4000 / 4002 on the connection in use (PROTOCOL.md 2): if we hold another
   * open connection, that one is ours and newer: keep it. Otherwise another
   * device took the token over (or a stale attempt of ours did): reconnect
   * after back-off, which graphql-ws does through #retryWait. Several in a row
   * while we did not reconnect ourselves mean another device uses our token.
   */
  #onReplaced(code: number, reason: string, event: unknown): void {
    const target = typeof event === 'object' && event !== null && 'target' in event ? event.target : undefined;
    const newer = [...this.#sockets].some((s) => s !== target && s.readyState === WebSocket.OPEN);
    if (newer) {
      this.#logger.debug(`${this.name}: a connection closed with ${code}; keeping our newer one`);
      return;
    }
    this.#replacedInARow++;
    this.#stats.replaced++;
    this.#lastConnectError = describe(event);
    const what = code === CloseCodes.Replaced ? 'replaced by a newer connection' : 'superseded by a live connection';
    this.#emitStatus('replaced', {
      code,
      reason,
      message: `${this.name}: ${what} with the same token (${code}); reconnecting after back-off`,
    });
    if (this.#replacedInARow === REPLACED_WARNING_AFTER || this.#replacedInARow % 10 === 0) {
      this.#logger.warn(
        `${this.name}: closed with ${code} ${this.#replacedInARow} times in a row without reconnecting itself: ` +
          `another device may be using this bank's device token (a shared token). Rotate the token ` +
          `(rotateDeviceToken) and provision this controller again. Still reconnecting, backing off up to ` +
          `${(this.#retry.maxMs / 1000).toFixed(0)} s.`,
      );
    }
  }

  /**
   * graphql-ws gives up on some closes whatever shouldRetry says (4400, 4500,
   * 1009 …). For firmware those are transient: make a new client after a
   * back-off. Final codes never reach here (#onClosed tore the client down
   * first, so this callback sees a stale generation).
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
  #finish(status: 'refused' | 'failed', info: StatusInfo): void {
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
    this.#stopHealthReports();
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
    // Closing with 1000 is also what PROTOCOL.md 1 asks for when we cannot
    // speak the version the server named.
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
    if (status === 'connected' || status === 'disconnected' || status === 'replaced') this.#logger.info(info.message);
    this.#emitter.emit('status', status, info);
  }

  // ===========================================================================
  // Health reports (version 2)
  // ===========================================================================

  #healthEnabled(): boolean {
    return (
      (this.#protocolVersion ?? 1) >= 2 && this.#info.capabilities.includes('HEALTH_REPORT') && !this.#healthUnsupported
    );
  }

  /** One report now (after the ack), then one every interval while this connection lasts. */
  #startHealthReports(generation: number): void {
    this.#stopHealthReports();
    if (!this.#healthEnabled()) return;
    const interval = this.#healthIntervalMs ?? this.#limits.healthIntervalSeconds * 1000;
    const tick = () => {
      if (generation !== this.#generation || !this.#connected || !this.#healthEnabled()) return;
      this.#sendHealth(generation);
      this.#healthTimer = setLongTimeout(tick, interval, { unref: true });
    };
    tick();
  }

  #stopHealthReports(): void {
    this.#healthTimer?.cancel();
    this.#healthTimer = undefined;
  }

  #healthInput(): ControllerHealthInput {
    const input: ControllerHealthInput = {
      at: this.#isoNow(),
      uptimeSeconds: Math.floor((performance.now() - this.#bootedAt) / 1000),
      outboxDepth: this.#outbox.size,
      firmware: this.#info.firmware,
      power: this.#power,
    };
    if (this.#signalDbm !== undefined) input.signalDbm = Math.round(this.#signalDbm);
    if (this.#temperatureC !== undefined) input.temperatureC = this.#temperatureC;
    return input;
  }

  #sendHealth(generation: number): void {
    const input = this.#healthInput();
    this.#request<{ reportControllerHealth: unknown }>(generation, REPORT_HEALTH, { input }).then(
      (data) => {
        const answer = healthAnswerSchema.safeParse(data.reportControllerHealth);
        if (!answer.success) return;
        this.#stats.healthReports++;
        // A fresher measurement of the server's time line than the ack's.
        const serverTime = Date.parse(answer.data.serverTime);
        if (Number.isFinite(serverTime)) {
          this.#serverOffsetMs = serverTime - Date.parse(input.at);
          this.#serverOffsetKnown = true;
        }
        this.#emitter.emit('health', { input, ...answer.data });
      },
      (error: unknown) => {
        if (!(error instanceof GraphQLRequestError)) return; // connection lost: the next ack sends one
        if (unknownOperation(error)) {
          // An older server whose schema has no reportControllerHealth. Said
          // once, even if a second report was already on its way.
          if (this.#healthUnsupported) return;
          this.#healthUnsupported = true;
          this.#stopHealthReports();
          this.#logger.warn(
            `${this.name}: the server does not know reportControllerHealth (${error.message}); not sending health reports`,
          );
          return;
        }
        this.#logger.debug(`${this.name}: health report refused (${error.message}); next one at the next interval`);
      },
    );
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
   * for a deposit that is not the one in the door now), judging `exp` on the
   * server's time line (our clock + serverOffset, PROTOCOL.md 6), opens the
   * door, and records PICKUP_QR_OFFLINE with the token so the server learns
   * of it on reconnect.
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
    const check = await this.#pickup.verify(token, this.#bankId, deposits, {
      now: this.#clock() + this.#serverOffsetMs,
      skewSeconds: Math.min(MAX_QR_CLOCK_SKEW_SECONDS, this.#limits.qrClockSkewSeconds),
    });
    if (!check.ok) return { __typename: 'PickupRefused', message: check.reason, retryAfterSeconds: null };
    this.#pickup.markUsed(check.tokenId);
    // The token is the evidence: never cut (the event may then exceed
    // maxEventBytes; the server stores it, rejected TOO_LARGE, for staff).
    this.#record({ label: check.label, kind: 'PICKUP_QR_OFFLINE', detail: token }, { raw: true });
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
  // Events: recording and the outbox pump
  // ===========================================================================

  /**
   * Appends to the journal. Unless `raw`, `code` and `detail` are cut to the
   * server's limits, and `detail` further so the event keeps to
   * limits.maxEventBytes (a larger one would be stored as TOO_LARGE, not
   * applied).
   */
  #record(
    input: { kind: string; label?: string; at?: string; code?: string; detail?: string },
    options: { raw?: boolean } = {},
  ): LockerEventInput {
    const entry: Omit<LockerEventInput, 'seq'> = { kind: input.kind, at: input.at ?? this.#isoNow() };
    if (input.label !== undefined) entry.label = input.label;
    if (input.code !== undefined) entry.code = input.code;
    if (input.detail !== undefined) entry.detail = input.detail;
    if (!options.raw) this.#fitToLimits(entry);
    const event = this.#outbox.append(entry);
    this.#stats.recorded++;
    this.#applyToState(event);
    this.#emitter.emit('recorded', event);
    this.#schedulePump(this.#flushIntervalMs);
    return event;
  }

  #fitToLimits(entry: Omit<LockerEventInput, 'seq'>): void {
    const limits = this.#limits;
    if (entry.code !== undefined) entry.code = entry.code.slice(0, limits.maxCodeLength);
    if (entry.detail === undefined) return;
    entry.detail = withoutBrokenPair(entry.detail.slice(0, limits.maxDetailLength));
    // seq is not known yet: count it at its widest.
    const size = () => eventBytes({ seq: Number.MAX_SAFE_INTEGER, ...entry });
    let over = size() - limits.maxEventBytes;
    // Each character is at least one byte, so cutting `over` characters cuts at least `over` bytes.
    while (over > 0 && entry.detail.length > 0) {
      entry.detail = withoutBrokenPair(entry.detail.slice(0, Math.max(0, entry.detail.length - over)));
      over = size() - limits.maxEventBytes;
    }
  }

  /**
   * The event as sent on this connection. Version 1 has no `code`: it goes
   * in front of the detail instead, so a version 1 server neither refuses
   * the batch nor loses what the fault was.
   */
  #wire(event: LockerEventInput): LockerEventInput {
    if ((this.#protocolVersion ?? 2) >= 2 || event.code === undefined) return event;
    const { code, ...rest } = event;
    const detail = `[${code}]${event.detail ? ` ${event.detail}` : ''}`.slice(0, this.#limits.maxDetailLength);
    return { ...rest, detail };
  }

  #batchEventLimit(): number {
    return Math.max(1, Math.min(this.#maxBatchOption, this.#limits.maxBatchEvents, this.#splitLimit));
  }

  /** PROTOCOL.md 3: a batch is refused as a whole above maxBatchEvents × maxEventBytes; and it must fit a frame. */
  #batchByteLimit(): number {
    const limits = this.#limits;
    const budget = Math.min(
      limits.maxBatchEvents * limits.maxEventBytes,
      Math.max(limits.maxEventBytes, limits.maxFrameBytes - FRAME_ENVELOPE_BYTES),
    );
    return Math.max(1, Math.floor(budget / this.#byteDivisor));
  }

  #cancelPump(): void {
    this.#pumpTimer?.cancel();
    this.#pumpTimer = undefined;
    this.#pumpDueAt = Number.POSITIVE_INFINITY;
  }

  #schedulePump(delayMs: number): void {
    const due = Date.now() + delayMs;
    if (this.#pumpTimer) {
      if (due >= this.#pumpDueAt) return; // already scheduled sooner
      this.#pumpTimer.cancel();
    }
    this.#pumpDueAt = due;
    this.#pumpTimer = setLongTimeout(() => {
      this.#pumpTimer = undefined;
      this.#pumpDueAt = Number.POSITIVE_INFINITY;
      this.#pump();
    }, delayMs);
  }

  /** Sends the next batch if connected and nothing is in flight. */
  #pump(): void {
    if (!this.#connected || this.#inFlight !== null || this.#outbox.size === 0) return;
    const generation = this.#generation;
    const batchId = ++this.#batchCounter;
    const batch = this.#outbox
      .nextBatch(this.#batchEventLimit(), this.#batchByteLimit(), (e) => eventBytes(this.#wire(e)))
      .map((e) => this.#wire(e));
    this.#inFlight = batchId;
    this.#stats.batches++;
    this.#stats.sent += batch.length;
    this.#logger.debug(`${this.name}: sending events #${batch[0]?.seq}–#${batch.at(-1)?.seq}`);
    const document = (this.#protocolVersion ?? 2) >= 2 ? REPORT_EVENTS : REPORT_EVENTS_V1;

    this.#request<{ reportLockerEvents: unknown }>(generation, document, { events: batch }).then(
      (data) => {
        if (this.#inFlight !== batchId) return; // the connection was torn down meanwhile
        this.#inFlight = null;
        this.#batchFailures = 0;
        this.#onReply(batch.length, data.reportLockerEvents, generation);
      },
      (error: unknown) => {
        if (this.#inFlight !== batchId) return;
        this.#inFlight = null;
        if (!(error instanceof GraphQLRequestError)) return; // connection lost: #onConnected resumes
        this.#onBatchRefused(batch, error);
      },
    );
  }

  /**
   * The server read the batch and refused it as a whole. Never drop events:
   * split when it takes fewer, wait when rate-limited, otherwise keep them and
   * try again after a back-off (PROTOCOL.md 7).
   */
  #onBatchRefused(batch: LockerEventInput[], error: GraphQLRequestError): void {
    const limit = error.extension('limit');
    if (typeof limit === 'number' && limit >= 1 && limit < batch.length) {
      this.#logger.warn(`${this.name}: server takes at most ${limit} events per batch; splitting`);
      this.#splitLimit = limit;
      this.#schedulePump(0);
      return;
    }
    if (error.code === 'RATE_LIMITED') {
      const wait = error.extension('retryAfterMs');
      const delay = typeof wait === 'number' && wait >= 0 ? wait : backoffDelay(this.#batchFailures++, this.#retry);
      this.#logger.info(`${this.name}: rate limited; sending again in ${delay} ms`);
      this.#schedulePump(delay);
      return;
    }
    const index = error.extension('index');
    const culprit = typeof index === 'number' ? batch[index] : undefined;
    const delay = backoffDelay(this.#batchFailures++, this.#retry, this.#random);
    this.#logger.warn(
      `${this.name}: server refused a batch of ${batch.length} events (${error.message})` +
        (culprit ? `, naming #${culprit.seq} ${culprit.kind}` : '') +
        `; retrying in ${delay} ms`,
    );
    this.#schedulePump(delay);
  }

  #onReply(sent: number, raw: unknown, generation: number): void {
    const parsed = replySchema.safeParse(raw);
    if (!parsed.success) {
      this.#logger.error(`${this.name}: unreadable reportLockerEvents answer: ${JSON.stringify(raw)}`);
      this.#schedulePump(backoffDelay(this.#batchFailures++, this.#retry, this.#random));
      return;
    }
    const reply = parsed.data;
    const result = this.#outbox.applyReply({
      acceptedThroughSeq: reply.acceptedThroughSeq,
      resendFromSeq: reply.resendFromSeq ?? null,
      conflicts: reply.conflicts.map((c) => c.seq),
      followServerBack: (this.#protocolVersion ?? 2) < 2,
    });
    this.#stats.acknowledged += result.dropped;
    this.#stats.stored += reply.stored;
    this.#stats.duplicates += reply.duplicates;
    this.#stats.rejected += reply.rejected.length;
    this.#stats.flagged += reply.flagged.length;
    this.#stats.conflicts += reply.conflicts.length;
    this.#logReply(reply, result);
    this.#emitter.emit('acknowledged', {
      sent,
      acceptedThroughSeq: reply.acceptedThroughSeq,
      stored: reply.stored,
      duplicates: reply.duplicates,
      rejected: reply.rejected.map((r) => ({ seq: r.seq, reason: r.reason })),
      flagged: reply.flagged.map((f) => ({ seq: f.seq, flag: f.flag })),
      conflicts: reply.conflicts.map((c) => ({ seq: c.seq, storedKind: c.storedKind })),
      resendFromSeq: reply.resendFromSeq ?? null,
      pending: this.#outbox.size,
    });
    this.#settleFlushWaiters();
    if (result.lost) this.#declareLost(result.lost, generation);
    else this.#schedulePump(0);
  }

  #logReply(reply: z.infer<typeof replySchema>, result: ReplyResult): void {
    if (result.serverBehind) {
      this.#logger.warn(`${this.name}: the server's log went back to #${reply.acceptedThroughSeq}`);
    }
    if (reply.resendFromSeq != null) {
      this.#logger.info(
        `${this.name}: server asked to resend from #${reply.resendFromSeq}; resending from #${result.resendFromSeq ?? '-'}`,
      );
    }
    for (const r of reply.rejected) {
      this.#logger.warn(`${this.name}: server stored event #${r.seq} without effect: ${r.reason}`);
    }
    for (const f of reply.flagged) this.#logger.info(`${this.name}: server flagged event #${f.seq}: ${f.flag}`);
    if (reply.conflicts.length > 0) {
      this.#logger.warn(
        `${this.name}: the server holds #${reply.conflicts.map((c) => c.seq).join(', #')} with other content ` +
          `(our seq counter was lost?); ${result.renumbered} unacknowledged events renumbered from #${reply.acceptedThroughSeq + 1}`,
      );
    }
  }

  /**
   * The server wants seqs the journal no longer holds (PROTOCOL.md 3, Lost
   * events): say so, then continue after them. A server that cannot take
   * that (version 1, or one without the mutation) gets the journal
   * renumbered to follow its log instead, so it does not ask forever.
   */
  #declareLost(range: { fromSeq: number; throughSeq: number }, generation: number): void {
    const reason = `journal lost events #${range.fromSeq}–#${range.throughSeq} (not held by the controller)`;
    if ((this.#protocolVersion ?? 2) < 2 || this.#lostUnsupported) {
      this.#renumberAfterServer(reason);
      return;
    }
    const requestId = ++this.#batchCounter;
    this.#inFlight = requestId;
    this.#logger.warn(`${this.name}: declaring events #${range.fromSeq}–#${range.throughSeq} lost`);
    this.#request<{ markLockerEventsLost: { acceptedThroughSeq: number } }>(generation, MARK_LOST, {
      from: range.fromSeq,
      through: range.throughSeq,
      reason,
    }).then(
      (data) => {
        if (this.#inFlight !== requestId) return;
        this.#inFlight = null;
        const through = data.markLockerEventsLost.acceptedThroughSeq;
        this.#outbox.applyLost(through);
        this.#stats.lost += range.throughSeq - range.fromSeq + 1;
        this.#emitter.emit('lost', { ...range, reason });
        this.#settleFlushWaiters();
        this.#schedulePump(0);
      },
      (error: unknown) => {
        if (this.#inFlight !== requestId) return;
        this.#inFlight = null;
        if (!(error instanceof GraphQLRequestError)) return; // connection lost: #onConnected resumes
        const accepted = error.extension('acceptedThroughSeq');
        if (error.code === 'BAD_USER_INPUT' && typeof accepted === 'number') {
          // Our idea of the server's log end was stale: resync and let the
          // next batch find the gap again.
          this.#outbox.applyServerSeq(accepted, { followServerBack: false });
          this.#schedulePump(0);
          return;
        }
        if (unknownOperation(error)) {
          this.#lostUnsupported = true;
          this.#renumberAfterServer(reason);
          return;
        }
        this.#logger.warn(`${this.name}: markLockerEventsLost refused (${error.message}); retrying`);
        this.#schedulePump(backoffDelay(this.#batchFailures++, this.#retry, this.#random));
      },
    );
  }

  #renumberAfterServer(reason: string): void {
    const moved = this.#outbox.renumberAfterAccepted();
    this.#logger.warn(
      `${this.name}: ${reason}; this server cannot record a loss, so the journal follows its log (${moved} renumbered)`,
    );
    this.#schedulePump(0);
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
   * subscribe again (after a short pause, to not spin on a persistent error),
   * except for ALREADY_SUBSCRIBED: one is running on this connection, keep it.
   */
  #subscribeCommands(client: Client, generation: number): void {
    const resubscribe = (why: string) => {
      if (generation !== this.#generation) return;
      if (/ALREADY_SUBSCRIBED/.test(why)) {
        this.#logger.warn(`${this.name}: commands subscription refused as a second one (${why}); keeping the first`);
        return;
      }
      this.#logger.warn(`${this.name}: commands subscription ended (${why}); subscribing again`);
      clearTimeout(this.#resubscribeTimer);
      this.#resubscribeTimer = setTimeout(() => {
        this.#resubscribeTimer = undefined;
        if (generation === this.#generation && this.#client === client) this.#subscribeCommands(client, generation);
      }, this.#retry.minMs);
    };
    let refusedAsSecond = false;
    client.subscribe<{ lockerCommands: unknown }>(
      { query: LOCKER_COMMANDS },
      {
        next: (result) => {
          if (generation !== this.#generation) return;
          if (result.errors?.length) {
            if (result.errors.some((e) => e.extensions?.code === 'ALREADY_SUBSCRIBED')) refusedAsSecond = true;
            this.#logger.warn(
              `${this.name}: commands subscription error: ${result.errors.map((e) => e.message).join('; ')}`,
            );
          }
          if (result.data?.lockerCommands) this.#onCommand(result.data.lockerCommands);
        },
        error: (error: unknown) => resubscribe(Array.isArray(error) ? JSON.stringify(error) : describe(error)),
        complete: () => resubscribe(refusedAsSecond ? 'ALREADY_SUBSCRIBED' : 'completed by the server'),
      },
    );
  }

  #onCommand(raw: unknown): void {
    const receivedAt = performance.now();
    const parsed = commandSchema.safeParse(raw);
    if (!parsed.success) {
      this.#logger.error(`${this.name}: unreadable command ${JSON.stringify(raw)}`);
      return;
    }
    const command: LockerCommand = parsed.data;
    this.#stats.commands++;
    const previous = this.#commandMemory.get(command.id);
    if (previous === 'IN_PROGRESS') return; // a resend while we are still on it
    if (previous) {
      // Seen before: our acknowledgement was probably lost. Say the same
      // thing again; do not carry it out a second time.
      this.#logger.info(`${this.name}: command ${command.id} received again; acknowledging ${previous} again`);
      this.#emitter.emit('command', { command, outcome: previous, duplicate: true });
      this.#acknowledge(command.id, previous, this.#supported(command) ? null : 'unsupported');
      return;
    }
    if (command.kind === 'REVOKE_PICKUP_TOKEN') {
      // Refuse this QR from now on, even while offline.
      if (command.tokenId) this.#pickup.revoke(command.tokenId);
      this.#commandMemory.set(command.id, 'DONE', command.ttlMs);
      this.#emitter.emit('command', { command, outcome: 'DONE', duplicate: false });
      this.#acknowledge(command.id, 'DONE');
      return;
    }
    if (!this.#supported(command)) {
      // PROTOCOL.md 9: a kind newer than this controller is answered, not ignored.
      this.#logger.warn(`${this.name}: command ${command.id} of unknown kind ${command.kind}; answering FAILED`);
      this.#commandMemory.set(command.id, 'FAILED', command.ttlMs);
      this.#emitter.emit('command', { command, outcome: 'FAILED', duplicate: false });
      this.#acknowledge(command.id, 'FAILED', 'unsupported');
      return;
    }
    this.#commandMemory.set(command.id, 'IN_PROGRESS', command.ttlMs);
    if (this.#commandDelayMs > 0) {
      const timer = setLongTimeout(() => {
        this.#commandTimers.delete(timer);
        this.#carryOut(command, receivedAt);
      }, this.#commandDelayMs);
      this.#commandTimers.add(timer);
    } else {
      this.#carryOut(command, receivedAt);
    }
  }

  #supported(command: LockerCommand): boolean {
    return command.kind === 'OPEN_COMPARTMENT' || command.kind === 'REVOKE_PICKUP_TOKEN';
  }

  #carryOut(command: LockerCommand, receivedAt: number): void {
    const outcome = decideOpen(command, {
      receivedAt,
      now: performance.now(),
      labels: new Set(this.#compartments.keys()),
      jammed: this.#jammed,
    });
    this.#commandMemory.set(command.id, outcome, command.ttlMs);
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
    const timer = setLongTimeout(() => {
      this.#commandTimers.delete(timer);
      const c = this.#compartments.get(label);
      if (!c || c.door !== 'OPEN') return;
      if (putsIn && !c.occupied) this.record(label, 'OCCUPIED');
      if (takesOut) this.record(label, 'EMPTY');
    }, delay);
    this.#commandTimers.add(timer);
  }

  #scheduleAutoClose(label: string): void {
    this.#doorTimers.get(label)?.cancel();
    this.#doorTimers.delete(label);
    if (!Number.isFinite(this.#closeAfterMs)) return; // Infinity: the door stays open
    const timer = setLongTimeout(
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
  #acknowledge(id: string, outcome: CommandOutcome, detail: string | null = null): void {
    this.#pendingAcks.set(id, { outcome, detail });
    if (!this.#connected) return;
    const generation = this.#generation;
    this.#request<{ acknowledgeCommand?: { command?: { status?: string } } }>(generation, ACKNOWLEDGE_COMMAND, {
      id,
      outcome,
      detail,
    }).then(
      (data) => {
        if (this.#pendingAcks.get(id)?.outcome === outcome) this.#pendingAcks.delete(id);
        this.#emitter.emit('commandAcknowledged', {
          id,
          outcome,
          status: data.acknowledgeCommand?.command?.status ?? null,
        });
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
    for (const [id, { outcome, detail }] of [...this.#pendingAcks]) this.#acknowledge(id, outcome, detail);
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

  #applyToState(event: LockerEventInput): void {
    if (isBankEventKind(event.kind)) {
      if (event.kind === 'POWER_LOST' || event.kind === 'UPS_ON_BATTERY') this.#power = 'BATTERY';
      if (event.kind === 'POWER_RESTORED') this.#power = 'MAINS';
      return;
    }
    const label = event.label;
    const c = label === undefined ? undefined : this.#compartments.get(label);
    if (!c || label === undefined) return;
    switch (event.kind) {
      case 'DOOR_OPENED':
        c.door = 'OPEN';
        break;
      case 'DOOR_CLOSED':
        c.door = 'CLOSED';
        // Closed by hand before the auto-close: nothing left to close.
        this.#doorTimers.get(label)?.cancel();
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
