/**
 * Constants and message shapes of the locker controller protocol. PROTOCOL.md
 * beside this file describes every message; keep the two in step.
 */

/** Protocol versions this server speaks. A controller that states none speaks 1 (deprecated). */
export const PROTOCOL_VERSIONS = [1, 2] as const;
export const CURRENT_PROTOCOL_VERSION = 2;
export type ProtocolVersion = (typeof PROTOCOL_VERSIONS)[number];

/** WebSocket close codes a controller must handle (PROTOCOL.md 8). */
export const DeviceCloseCode = {
  /**
   * Replaced by a newer connection with the same token. If this was your only
   * connection, reconnect after back-off; repeated 4000s mean another device
   * holds your token.
   */
  Replaced: 4000,
  /** What connection_ack said has changed (e.g. the pickup signing keys were rotated): reconnect now, with back-off. */
  Reconnect: 4001,
  /**
   * This connection's connection_init arrived after a newer connection with the
   * same token was already live: keep the newer one. If you hold none, reconnect after back-off.
   */
  Superseded: 4002,
  /** The connection_init payload is malformed (e.g. protocolVersion not a number, a field too long). Fix and reconnect with back-off. */
  BadInit: 4400,
  /** Missing, wrong or revoked device token. Do not reconnect until re-provisioned. */
  Forbidden: 4403,
  /** ws: frame larger than the server accepts (WS_MAX_PAYLOAD_BYTES). */
  MessageTooBig: 1009,
} as const;

/**
 * How far past a pickup QR's `exp` a controller may still accept it offline
 * (its clock may be behind). The server lists a revoked token in
 * connection_ack until its `exp` plus this, and no controller may allow more.
 */
export const PICKUP_QR_CLOCK_SKEW_SECONDS = 300;

/** Field limits of connection_init's `controller` (longer is refused with 4400). */
export const INIT_LIMITS = { text: 100, capabilities: 32, capability: 40 } as const;

/** Field limits of an event (PROTOCOL.md 3), as stated in connection_ack `limits`. */
export const EVENT_FIELD_LIMITS = { label: 16, detail: 500, code: 32, kind: 64 } as const;

/** What the ack of a version 1 controller tells its operator (PROTOCOL.md 9). */
export const VERSION_1_DEPRECATION =
  'Protocol version 1 is deprecated: update the controller firmware to speak version 2 ' +
  '(clock offset, controller details, health reports). Version 1 stays accepted for at least 12 months after 0.1.0.';

/** What a controller sends in `connection_init` (version 2 adds all but deviceToken). */
export interface DeviceInitPayload {
  deviceToken: string;
  /** The highest protocol version the controller speaks; absent for version 1. */
  protocolVersion?: number;
  controller?: {
    model?: string;
    serial?: string;
    firmware?: string;
    /** ControllerCapability names; unknown ones are kept. */
    capabilities?: string[];
    /** The controller's clock when it sent this (ISO 8601 with a zone): the server measures the offset. */
    time?: string;
  };
}

/** Limits a controller must keep to, as stated in connection_ack (version 2). */
export interface DeviceLimits {
  maxBatchEvents: number;
  /** Largest event, JSON-encoded in UTF-8. maxBatchEvents × maxEventBytes always fits in maxFrameBytes. */
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

/** What the server sends in `connection_ack` to a controller. */
export interface DeviceAckPayload {
  /** The version both speak: the lower of the controller's and the server's. 1 for controllers that state none. */
  protocolVersion: ProtocolVersion;
  /** Set for version 1: what the operator should know (the version is deprecated). */
  deprecation: string | null;
  server: { name: 'baylight'; version: string; protocolVersions: readonly number[]; time: string };
  limits: DeviceLimits;
  bankId: string;
  bankName: string;
  /** The device token generation; numbering of seqs restarts at 1 in each. */
  generation: number;
  /** Every event up to this seq is stored (in this generation); continue numbering after it. */
  acceptedThroughSeq: number;
  /** Controller clock minus server clock as measured from connection_init's `time`; null when not sent. */
  clockOffsetMs: number | null;
  /**
   * The bank's compartments; `depositId` is the deposit each holds now (null
   * when none): an offline QR opens a compartment only if its `dep` claim
   * equals it.
   */
  compartments: { label: string; size: string; hasCharging: boolean; depositId: string | null }[];
  /**
   * Public keys to verify pickup QR tokens offline (JWS, EdDSA/Ed25519), by
   * kid. `retiresAt` (ISO 8601) is set on a rotated-out key: accept it until then.
   */
  pickupKeys: { kid: string; alg: 'EdDSA'; jwk: object; retiresAt: string | null }[];
  /** Token ids (jti) of pickup QRs revoked that could still verify (exp + skew not passed): refuse them offline. */
  revokedPickupTokens: string[];
}
