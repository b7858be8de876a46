/**
 * The controller's handshake (PROTOCOL.md 1): reading `connection_init` and
 * writing `connection_ack`. Pure functions of their input, so the rules are
 * checked by the unit spec beside this file; the devices service feeds them.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config/index.js';
import { parseInstant } from '../graphql/scalars.js';
import {
  CURRENT_PROTOCOL_VERSION,
  EVENT_FIELD_LIMITS,
  INIT_LIMITS,
  PICKUP_QR_CLOCK_SKEW_SECONDS,
  PROTOCOL_VERSIONS,
  VERSION_1_DEPRECATION,
  type DeviceAckPayload,
  type DeviceLimits,
  type ProtocolVersion,
} from './protocol.js';

/** What a controller said about itself in `connection_init`, checked. */
export interface ControllerInit {
  /** The highest version it speaks (1 when it stated none). */
  requestedVersion: number;
  model: string | null;
  serial: string | null;
  firmware: string | null;
  capabilities: string[];
  /** Its clock when it sent the init; null when it sent none (version 1). */
  time: Date | null;
}

export type InitParseResult = { ok: true; init: ControllerInit } | { ok: false; field: string; problem: string };

const refuse = (field: string, problem: string): InitParseResult => ({ ok: false, field, problem });

/** A WebSocket close reason may hold at most 123 bytes (RFC 6455 5.5). */
export function initRefusalReason(field: string, problem: string): string {
  const reason = `Bad connection_init: ${field} ${problem}`;
  return Buffer.byteLength(reason) <= 123 ? reason : `Bad connection_init: ${field}`.slice(0, 123);
}

/**
 * Checks a `connection_init` payload (the token is checked elsewhere). A
 * field that is absent or null is not stated; one of the wrong type or too
 * long refuses the connection (4400) with the field's name. Fields this
 * server does not know are ignored, as the protocol's additions require.
 */
export function parseConnectionInit(payload: Record<string, unknown>): InitParseResult {
  const version = payload.protocolVersion;
  let requestedVersion = 1;
  if (version !== undefined && version !== null) {
    if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) {
      return refuse('protocolVersion', 'must be a whole number of at least 1');
    }
    requestedVersion = version;
  }
  const controller = payload.controller;
  if (controller === undefined || controller === null) {
    return {
      ok: true,
      init: { requestedVersion, model: null, serial: null, firmware: null, capabilities: [], time: null },
    };
  }
  if (typeof controller !== 'object' || Array.isArray(controller)) {
    return refuse('controller', 'must be an object');
  }
  const c = controller as Record<string, unknown>;
  const texts: Record<'model' | 'serial' | 'firmware', string | null> = { model: null, serial: null, firmware: null };
  for (const key of ['model', 'serial', 'firmware'] as const) {
    const value = c[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') return refuse(`controller.${key}`, 'must be a string');
    if (value.length > INIT_LIMITS.text) {
      return refuse(`controller.${key}`, `is longer than ${INIT_LIMITS.text} characters`);
    }
    texts[key] = value.trim() || null;
  }
  const capabilities: string[] = [];
  if (c.capabilities !== undefined && c.capabilities !== null) {
    if (!Array.isArray(c.capabilities)) return refuse('controller.capabilities', 'must be a list of strings');
    if (c.capabilities.length > INIT_LIMITS.capabilities) {
      return refuse('controller.capabilities', `has more than ${INIT_LIMITS.capabilities} entries`);
    }
    for (const [i, name] of c.capabilities.entries()) {
      if (typeof name !== 'string') return refuse(`controller.capabilities[${i}]`, 'must be a string');
      if (name.length > INIT_LIMITS.capability) {
        return refuse(`controller.capabilities[${i}]`, `is longer than ${INIT_LIMITS.capability} characters`);
      }
      if (!capabilities.includes(name)) capabilities.push(name);
    }
  }
  let time: Date | null = null;
  if (c.time !== undefined && c.time !== null) {
    time = parseInstant(c.time);
    if (!time) return refuse('controller.time', 'must be an ISO 8601 time with a zone');
  }
  return { ok: true, init: { requestedVersion, ...texts, capabilities, time } };
}

/** The version both speak: the lower of the controller's and this server's newest. */
export function negotiateVersion(requested: number): ProtocolVersion {
  return Math.min(requested, CURRENT_PROTOCOL_VERSION) as ProtocolVersion;
}

/** Controller clock minus server clock, from a time the controller sent and when it arrived. */
export const clockOffsetMs = (controllerTime: Date, receivedAt: Date) =>
  controllerTime.getTime() - receivedAt.getTime();

/** The numbers a controller must keep to, from the configuration (connection_ack `limits`). */
export function deviceLimits(config: Config): DeviceLimits {
  return {
    maxBatchEvents: config.DEVICE_BATCH_LIMIT,
    maxEventBytes: config.DEVICE_EVENT_MAX_BYTES,
    maxFrameBytes: config.WS_MAX_PAYLOAD_BYTES,
    maxLabelLength: EVENT_FIELD_LIMITS.label,
    maxDetailLength: EVENT_FIELD_LIMITS.detail,
    maxCodeLength: EVENT_FIELD_LIMITS.code,
    maxKindLength: EVENT_FIELD_LIMITS.kind,
    keepAliveMs: config.WS_KEEPALIVE_MS,
    offlineGraceMs: config.DEVICE_OFFLINE_GRACE_MS,
    healthIntervalSeconds: config.DEVICE_HEALTH_INTERVAL_SECONDS,
    clockToleranceSeconds: config.DEVICE_CLOCK_TOLERANCE_SECONDS,
    clockMaxAheadSeconds: config.DEVICE_CLOCK_MAX_AHEAD_SECONDS,
    eventMaxAgeHours: config.DEVICE_EVENT_MAX_AGE_HOURS,
    qrClockSkewSeconds: PICKUP_QR_CLOCK_SKEW_SECONDS,
  };
}

/** The server's release, from the repository's root package.json. Read once, when the server starts. */
export function readServerVersion(): string {
  const file = resolve(dirname(fileURLToPath(import.meta.url)), '../../../package.json');
  const { version } = JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown };
  return typeof version === 'string' ? version : '0.0.0';
}

/** The parts of connection_ack other domains contribute (the parcels: deposits, keys, revocations). */
export type AckExtension = Pick<DeviceAckPayload, 'compartments' | 'pickupKeys' | 'revokedPickupTokens'>;

export function buildConnectionAck(input: {
  protocolVersion: ProtocolVersion;
  serverVersion: string;
  now: Date;
  limits: DeviceLimits;
  bank: { id: string; name: string; deviceGeneration: number; lastSeq: number };
  clockOffsetMs: number | null;
  extension: AckExtension;
}): DeviceAckPayload {
  return {
    protocolVersion: input.protocolVersion,
    deprecation: input.protocolVersion === 1 ? VERSION_1_DEPRECATION : null,
    server: {
      name: 'baylight',
      version: input.serverVersion,
      protocolVersions: PROTOCOL_VERSIONS,
      time: input.now.toISOString(),
    },
    limits: input.limits,
    bankId: input.bank.id,
    bankName: input.bank.name,
    generation: input.bank.deviceGeneration,
    acceptedThroughSeq: input.bank.lastSeq,
    clockOffsetMs: input.clockOffsetMs,
    ...input.extension,
  };
}
