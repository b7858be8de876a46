/**
 * Wire types of the Baylight device protocol, version 2 (see
 * ../../schema.graphql, fields marked "Device protocol", and
 * server/src/devices/PROTOCOL.md). Written out here rather than imported: the
 * simulator stands in for third-party firmware and must not depend on the
 * server's code.
 */

/** The protocol versions this controller speaks, newest last (PROTOCOL.md 9). */
export const PROTOCOL_VERSIONS = [1, 2] as const;
export type ProtocolVersion = (typeof PROTOCOL_VERSIONS)[number];
export const CURRENT_PROTOCOL_VERSION: ProtocolVersion = 2;

/** Kinds about one compartment: they need a `label` (PROTOCOL.md 3, Kinds). */
export const COMPARTMENT_EVENT_KINDS = [
  'DOOR_OPENED',
  'DOOR_CLOSED',
  'OCCUPIED',
  'EMPTY',
  'CHARGING',
  'CHARGED',
  'FAULT',
  'FAULT_CLEARED',
  'TAMPER',
  'PICKUP_QR_OFFLINE',
] as const;
export type CompartmentEventKind = (typeof COMPARTMENT_EVENT_KINDS)[number];

/** Kinds about the bank as a whole (version 2): no `label`. */
export const BANK_EVENT_KINDS = [
  'POWER_LOST',
  'POWER_RESTORED',
  'UPS_ON_BATTERY',
  'UPS_BATTERY_LOW',
  'CABINET_TAMPER',
  'TEMPERATURE_HIGH',
  'TEMPERATURE_NORMAL',
] as const;
export type BankEventKind = (typeof BANK_EVENT_KINDS)[number];

export const DEVICE_EVENT_KINDS = [...COMPARTMENT_EVENT_KINDS, ...BANK_EVENT_KINDS] as const;
export type DeviceEventKind = CompartmentEventKind | BankEventKind;

const BANK_KINDS: ReadonlySet<string> = new Set(BANK_EVENT_KINDS);
export function isBankEventKind(kind: string): kind is BankEventKind {
  return BANK_KINDS.has(kind);
}

/** Standard fault codes for FAULT's `code`; free text goes in `detail`. */
export const FAULT_CODES = [
  'LOCK_JAMMED',
  'LOCK_NO_RESPONSE',
  'DOOR_SENSOR',
  'OCCUPANCY_SENSOR',
  'CHARGER',
  'DOOR_FORCED',
  'POWER',
  'COMMUNICATION',
  'OTHER',
] as const;
export type FaultCode = (typeof FAULT_CODES)[number];

/** `ControllerCapability` of the schema. A controller may state names the server does not know. */
export const CONTROLLER_CAPABILITIES = [
  'KEYPAD',
  'QR_READER',
  'OFFLINE_QR',
  'DOOR_SENSOR',
  'OCCUPANCY_SENSOR',
  'CHARGING',
  'HEALTH_REPORT',
  'BANK_EVENTS',
] as const;
export type ControllerCapability = (typeof CONTROLLER_CAPABILITIES)[number];

export const COMPARTMENT_SIZES = ['S', 'M', 'L', 'XL'] as const;
export type CompartmentSize = (typeof COMPARTMENT_SIZES)[number];

/** `LockerEventInput` of the schema. */
export interface LockerEventInput {
  seq: number;
  /** The compartment; absent for bank-level kinds. */
  label?: string;
  /** A DeviceEventKind, or a name the server may not know (it is stored and rejected, never refused). */
  kind: string;
  /** ISO 8601 with a zone, the controller's clock when it happened. */
  at: string;
  /** For FAULT: a standard fault code (FaultCode). */
  code?: string;
  detail?: string;
}

/** What the controller says about itself in connection_init (version 2). */
export interface ControllerInfo {
  model: string;
  serial: string;
  firmware: string;
  capabilities: string[];
}

/** `connection_init` payload. */
export interface DeviceInitPayload {
  deviceToken: string;
  /** Absent for version 1. */
  protocolVersion?: number;
  controller?: ControllerInfo & { time: string };
}

/** `connection_ack.limits` (version 2): what a controller must keep to. */
export interface DeviceLimits {
  maxBatchEvents: number;
  maxEventBytes: number;
  maxFrameBytes: number;
  maxLabelLength: number;
  maxDetailLength: number;
  maxCodeLength: number;
  maxKindLength: number;
  keepAliveMs: number;
  offlineGraceMs: number;
  healthIntervalSeconds: number;
  clockToleranceSeconds: number;
  clockMaxAheadSeconds: number;
  eventMaxAgeHours: number;
  qrClockSkewSeconds: number;
}

/** The values PROTOCOL.md states; used until (and where) a connection_ack says otherwise. */
export const DEFAULT_LIMITS: Readonly<DeviceLimits> = {
  maxBatchEvents: 500,
  maxEventBytes: 1536,
  maxFrameBytes: 1_048_576,
  maxLabelLength: 16,
  maxDetailLength: 500,
  maxCodeLength: 32,
  maxKindLength: 64,
  keepAliveMs: 12_000,
  offlineGraceMs: 15_000,
  healthIntervalSeconds: 300,
  clockToleranceSeconds: 30,
  clockMaxAheadSeconds: 300,
  eventMaxAgeHours: 720,
  qrClockSkewSeconds: 300,
};

/** The protocol's ceiling on the offline QR slack: a server may announce less, never more (PROTOCOL.md 6). */
export const MAX_QR_CLOCK_SKEW_SECONDS = 300;

/** Room the server keeps in a frame around a full batch (PROTOCOL.md 3, Limits and the frame). */
export const FRAME_ENVELOPE_BYTES = 64 * 1024;

/** One compartment as the server describes it in `connection_ack`. */
export interface AckCompartment {
  label: string;
  size: CompartmentSize;
  hasCharging: boolean;
  /** The deposit the compartment holds now (null: none); an offline QR must name it in `dep`. */
  depositId?: string | null;
}

/** The server's `connection_ack` payload for a controller. Version 2 fields are absent from a version 1 server. */
export interface DeviceAckPayload {
  protocolVersion?: number;
  deprecation?: string | null;
  server?: { name?: string; version?: string; protocolVersions?: number[]; time?: string };
  limits?: Partial<DeviceLimits>;
  bankId: string;
  bankName: string;
  generation?: number;
  acceptedThroughSeq: number;
  clockOffsetMs?: number | null;
  compartments: AckCompartment[];
  /** Public keys for offline QR checks; a rotated-out key has `retiresAt` (ISO 8601). */
  pickupKeys?: { kid: string; alg: 'EdDSA'; jwk: Record<string, unknown>; retiresAt?: string | null }[];
  /** Revoked pickup tokens that could still verify: refuse them offline. */
  revokedPickupTokens?: string[];
}

export type EventRejection = 'UNKNOWN_COMPARTMENT' | 'UNKNOWN_KIND' | 'INVALID_TIME' | 'INVALID_LABEL' | 'TOO_LARGE';
export type EventFlag = 'CLOCK_OUT_OF_RANGE' | 'CLOCK_CORRECTED' | 'TRUNCATED';

/** `ReportLockerEventsPayload` of the schema. */
export interface ReportReply {
  acceptedThroughSeq: number;
  resendFromSeq: number | null;
  stored: number;
  duplicates: number;
  rejected: { seq: number; reason: string; message?: string }[];
  flagged: { seq: number; flag: string; message?: string }[];
  conflicts: { seq: number; storedKind: string; storedLabel?: string | null; storedAt: string }[];
}

/** `ControllerHealthInput` of the schema. */
export interface ControllerHealthInput {
  at: string;
  uptimeSeconds?: number;
  outboxDepth?: number;
  signalDbm?: number;
  firmware?: string;
  power?: 'MAINS' | 'BATTERY';
  batteryPercent?: number;
  temperatureC?: number;
}

export type CommandOutcome = 'OPENED' | 'DONE' | 'FAILED' | 'EXPIRED' | 'UNKNOWN_COMPARTMENT';

/** `LockerCommand` as delivered by the `lockerCommands` subscription. */
export interface LockerCommand {
  id: string;
  /** OPEN_COMPARTMENT, REVOKE_PICKUP_TOKEN, or a kind newer than this controller (answered FAILED "unsupported"). */
  kind: string;
  bankId: string;
  compartmentLabel: string;
  issuedAt: string;
  expiresAt: string;
  /** Time left when the server sent it; may exceed 2^31 ms (a SafeInt). */
  ttlMs: number;
  status: string;
  /** REVOKE_PICKUP_TOKEN: the pickup token's jti. */
  tokenId?: string | null;
  /** OPEN_COMPARTMENT of a deposit: the deposit the compartment holds from now on. */
  depositId?: string | null;
  /** Why the door opens (DEPOSIT, CODE, REMOTE …); null for other commands. */
  via?: string | null;
}

/** Close codes a controller meets (PROTOCOL.md 8). */
export const CloseCodes = {
  /** Replaced by a newer connection with the same token: keep your newer one, else reconnect after back-off. */
  Replaced: 4000,
  /** What connection_ack said changed (pickup keys rotated): reconnect now, with back-off. */
  Reconnect: 4001,
  /** This socket's init arrived after a newer connection of the token was live: as 4000. */
  Superseded: 4002,
  /** A malformed message or connection_init payload (the reason names the field). Reconnect with back-off. */
  BadRequest: 4400,
  /** `subscribe` before `connection_ack`. */
  Unauthorized: 4401,
  /** Missing, wrong or revoked device token. Final: wait for re-provisioning. */
  Forbidden: 4403,
  /** No connection_init within 3 s. */
  ConnectionInitTimeout: 4408,
  /** ws: a frame larger than limits.maxFrameBytes. Send smaller batches. */
  MessageTooBig: 1009,
  /** Too many sockets from this address, or a slow consumer. */
  TryAgainLater: 1013,
} as const;

/** Where a log line goes. The default logger drops everything (library use). */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};
