/**
 * What server/src/devices/PROTOCOL.md (version 2) fixes, written out for the
 * kit. The kit reads nothing of the server's code: like a locker maker, it
 * knows the protocol only from the document and schema.graphql.
 */

export const PROTOCOL_VERSION = 2;
export const SUBPROTOCOL = 'graphql-transport-ws';

/** Largest seq (2^53 − 1). */
export const MAX_SEQ = Number.MAX_SAFE_INTEGER;

/** Close codes (PROTOCOL.md 8). */
export const Close = {
  Replaced: 4000,
  Reconnect: 4001,
  Superseded: 4002,
  BadRequest: 4400,
  Unauthorized: 4401,
  Forbidden: 4403,
  SubprotocolNotAcceptable: 4406,
  InitTimeout: 4408,
  SubscriberAlreadyExists: 4409,
  TooManyInits: 4429,
  MessageTooBig: 1009,
} as const;

/** Compartment kinds (need a label), PROTOCOL.md 3. */
export const COMPARTMENT_KINDS = [
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

/** Bank-level kinds (no label), PROTOCOL.md 3. */
export const BANK_KINDS = [
  'POWER_LOST',
  'POWER_RESTORED',
  'UPS_ON_BATTERY',
  'UPS_BATTERY_LOW',
  'CABINET_TAMPER',
  'TEMPERATURE_HIGH',
  'TEMPERATURE_NORMAL',
] as const;

export const KNOWN_KINDS: ReadonlySet<string> = new Set<string>([...COMPARTMENT_KINDS, ...BANK_KINDS]);
export const BANK_LEVEL_KINDS: ReadonlySet<string> = new Set<string>(BANK_KINDS);

export const CAPABILITIES = [
  'KEYPAD',
  'QR_READER',
  'OFFLINE_QR',
  'DOOR_SENSOR',
  'OCCUPANCY_SENSOR',
  'CHARGING',
  'HEALTH_REPORT',
  'BANK_EVENTS',
] as const;

/** connection_init field limits (PROTOCOL.md 1). */
export const INIT_LIMITS = { text: 100, capabilities: 32, capability: 40 } as const;

/** The numbers a connection_ack states in `limits` (PROTOCOL.md 1). */
export interface Limits {
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

export const LIMIT_NAMES: readonly (keyof Limits)[] = [
  'maxBatchEvents',
  'maxEventBytes',
  'maxFrameBytes',
  'maxLabelLength',
  'maxDetailLength',
  'maxCodeLength',
  'maxKindLength',
  'keepAliveMs',
  'offlineGraceMs',
  'healthIntervalSeconds',
  'clockToleranceSeconds',
  'clockMaxAheadSeconds',
  'eventMaxAgeHours',
  'qrClockSkewSeconds',
];

/** The defaults PROTOCOL.md shows; the fixed ones (labels, details, codes, kinds, QR skew) are rules, not settings. */
export const DEFAULT_LIMITS: Limits = {
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

/** Room a frame keeps beside a full batch (PROTOCOL.md 3, Limits). */
export const FRAME_ENVELOPE_BYTES = 64 * 1024;

/** The JWS `typ` of a pickup QR token (PROTOCOL.md 6). */
export const PICKUP_TOKEN_TYPE = 'baylight-pickup+jwt';

/** ISO 8601 date-time with a zone (`Z` or `±hh:mm`), PROTOCOL.md 4. */
const ZONED_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/i;

export function isZonedTime(value: unknown): value is string {
  return typeof value === 'string' && ZONED_TIME.test(value) && !Number.isNaN(Date.parse(value));
}

export function isSeq(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1;
}

/** A WebSocket message (`ws` RawData) as text. */
export function rawText(data: Buffer | ArrayBuffer | Buffer[]): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

/** Bytes of a value as JSON in UTF-8 (how event sizes are measured). */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}
