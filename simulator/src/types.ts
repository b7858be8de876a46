/**
 * Wire types of the Baylight device protocol (see ../../schema.graphql, fields
 * marked "Device protocol"). Written out here rather than imported: the
 * simulator stands in for third-party firmware and must not depend on the
 * server's code.
 */

export const DEVICE_EVENT_KINDS = [
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
export type DeviceEventKind = (typeof DEVICE_EVENT_KINDS)[number];

export const COMPARTMENT_SIZES = ['S', 'M', 'L', 'XL'] as const;
export type CompartmentSize = (typeof COMPARTMENT_SIZES)[number];

/** `LockerEventInput` of the schema. */
export interface LockerEventInput {
  seq: number;
  label: string;
  kind: DeviceEventKind;
  /** ISO 8601, the controller's clock when it happened. */
  at: string;
  detail?: string;
}

/** One compartment as the server describes it in `connection_ack`. */
export interface AckCompartment {
  label: string;
  size: CompartmentSize;
  hasCharging: boolean;
  /** The deposit the compartment holds now (null: none); an offline QR must name it in `dep`. */
  depositId?: string | null;
}

/** The server's `connection_ack` payload for a controller. */
export interface DeviceAckPayload {
  bankId: string;
  bankName: string;
  acceptedThroughSeq: number;
  compartments: AckCompartment[];
  /** Public keys for offline QR checks; a rotated-out key has `retiresAt` (ISO 8601). */
  pickupKeys?: { kid: string; alg: 'EdDSA'; jwk: Record<string, unknown>; retiresAt?: string | null }[];
  /** Revoked pickup tokens that could still verify: refuse them offline. */
  revokedPickupTokens?: string[];
}

/** `ReportLockerEventsPayload` of the schema. */
export interface ReportReply {
  acceptedThroughSeq: number;
  resendFromSeq: number | null;
  stored: number;
  duplicates: number;
  rejected: { seq: number; reason: string }[];
}

export type CommandOutcome = 'OPENED' | 'DONE' | 'FAILED' | 'EXPIRED' | 'UNKNOWN_COMPARTMENT';

/** `LockerCommand` as delivered by the `lockerCommands` subscription. */
export interface LockerCommand {
  id: string;
  kind: string;
  bankId: string;
  compartmentLabel: string;
  issuedAt: string;
  expiresAt: string;
  ttlMs: number;
  status: string;
  /** REVOKE_PICKUP_TOKEN: the pickup token's jti. */
  tokenId?: string | null;
  /** OPEN_COMPARTMENT of a deposit: the deposit the compartment holds from now on. */
  depositId?: string | null;
  /** Why the door opens (DEPOSIT, CODE, REMOTE …); null for other commands. */
  via?: string | null;
}

/** Close codes the server uses for controllers (server/src/devices/PROTOCOL.md). */
export const CloseCodes = {
  /** A newer connection with the same token took over. Do not retry. */
  Replaced: 4000,
  /** graphql-ws: a malformed message. A bug on our side; retrying repeats it. */
  BadRequest: 4400,
  /** Missing, wrong or revoked device token. Do not retry. */
  Forbidden: 4403,
  /** What connection_ack said changed (pickup keys rotated): reconnect now for a fresh one. Retried. */
  Reconnect: 4001,
  /** ws: a frame larger than the server accepts. */
  MessageTooBig: 1009,
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
