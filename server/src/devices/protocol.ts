/**
 * Constants of the locker controller protocol. PROTOCOL.md beside this file
 * describes every message; keep the two in step.
 */

/** WebSocket close codes a controller must handle. */
export const DeviceCloseCode = {
  /** Replaced by a newer connection with the same token. Do not reconnect: another controller holds the token. */
  Replaced: 4000,
  /** graphql-ws: malformed message (not JSON, unknown type). Fix the firmware. */
  BadRequest: 4400,
  /** Missing, wrong or revoked device token. Do not reconnect until re-provisioned. */
  Forbidden: 4403,
  /**
   * What connection_ack said has changed (the pickup signing keys were
   * rotated): reconnect now, with the usual back-off, to get a fresh ack.
   */
  Reconnect: 4001,
  /** ws: frame larger than the server accepts (WS_MAX_PAYLOAD_BYTES). */
  MessageTooBig: 1009,
} as const;

/**
 * How far past a pickup QR's `exp` a controller may still accept it offline
 * (its clock may be behind). The server lists a revoked token in
 * connection_ack until its `exp` plus this, and no controller may allow more.
 */
export const PICKUP_QR_CLOCK_SKEW_SECONDS = 300;

/** What the server sends in `connection_ack` to a controller. */
export interface DeviceAckPayload {
  bankId: string;
  bankName: string;
  /** Every event up to this seq is stored; continue numbering after it. */
  acceptedThroughSeq: number;
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
