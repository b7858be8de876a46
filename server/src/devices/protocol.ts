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
  /** ws: frame larger than the server accepts (WS_MAX_PAYLOAD_BYTES). */
  MessageTooBig: 1009,
} as const;

/** What the server sends in `connection_ack` to a controller. */
export interface DeviceAckPayload {
  bankId: string;
  bankName: string;
  /** Every event up to this seq is stored; continue numbering after it. */
  acceptedThroughSeq: number;
  compartments: { label: string; size: string; hasCharging: boolean }[];
  /** Public keys to verify pickup QR tokens offline (JWS, EdDSA/Ed25519). */
  pickupKeys: { kid: string; alg: 'EdDSA'; jwk: object }[];
  /** Token ids (jti) of pickup QRs revoked and not yet expired: refuse them offline. */
  revokedPickupTokens: string[];
}
