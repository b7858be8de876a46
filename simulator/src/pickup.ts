/**
 * Offline pickup QR verification, as a controller does it while its uplink is
 * down. The token is a compact JWS from the server (header `alg: EdDSA`,
 * `typ: baylight-pickup+jwt`, `kid`); the public keys, the ids of revoked
 * tokens and each compartment's current deposit arrive in connection_ack,
 * revocations also as REVOKE_PICKUP_TOKEN commands and new deposits with the
 * deposit's OPEN_COMPARTMENT. A token opens a door once, and only the door
 * holding the deposit it names (`dep`): an earlier occupant's token never
 * opens a later parcel.
 */
import { decodeProtectedHeader, importJWK, jwtVerify, type JWK } from 'jose';
import { MAX_QR_CLOCK_SKEW_SECONDS } from './types.js';

export interface PickupAnswer {
  __typename: 'PickupOpened' | 'PickupRefused';
  compartmentLabel?: string;
  message?: string;
  retryAfterSeconds?: number | null;
}

export interface OfflinePickup {
  __typename: 'OfflinePickup';
  compartmentLabel: string;
}

export type OfflineCheck = { ok: true; label: string; tokenId: string } | { ok: false; reason: string };

/** The JWS header `typ` of a pickup QR token. */
export const PICKUP_TOKEN_TYPE = 'baylight-pickup+jwt';

/** A public key from connection_ack; a rotated-out one verifies until `retiresAt`. */
export interface LearnedKey {
  kid: string;
  jwk: Record<string, unknown>;
  retiresAt?: string | null;
}

const NOT_VALID = 'That code is not valid here.';

export class OfflinePickupVerifier {
  #keys = new Map<string, { jwk: JWK; retiresAt: number }>();
  #revoked = new Set<string>();
  readonly #used = new Set<string>();

  /**
   * What a connection_ack says: the keys, and the revoked tokens that could
   * still verify. Both replace what was known: the server lists every
   * revocation that still matters on each connect.
   */
  learn(keys: readonly LearnedKey[], revoked: readonly string[]): void {
    this.#keys = new Map(
      keys.map((k) => [
        k.kid,
        { jwk: k.jwk, retiresAt: k.retiresAt ? Date.parse(k.retiresAt) : Number.POSITIVE_INFINITY },
      ]),
    );
    this.#revoked = new Set(revoked);
  }

  revoke(tokenId: string): void {
    this.#revoked.add(tokenId);
  }

  markUsed(tokenId: string): void {
    this.#used.add(tokenId);
  }

  get keyCount(): number {
    return this.#keys.size;
  }

  get revokedCount(): number {
    return this.#revoked.size;
  }

  /**
   * Checks, with no network: the signature with an unretired key of that kid,
   * the type, the expiry, the bank, that the door exists and holds the deposit
   * the token names, and single use.
   *
   * Time is the server's: PROTOCOL.md 6 judges `exp` (seconds) on the
   * server's time line, `now = your clock + serverOffset`, with at most
   * `skewSeconds` (the protocol's 300 s, never more) of slack:
   * valid while now ≤ exp + skew. A key's `retiresAt` is a server instant too.
   *
   * @param deposits every door of this bank and the deposit it holds now (null: none).
   * @param at the server-time-line now in ms (or { now, skewSeconds }); the host clock by default.
   */
  async verify(
    token: string,
    bankId: string | undefined,
    deposits: ReadonlyMap<string, string | null>,
    at: number | { now?: number; skewSeconds?: number } = {},
  ): Promise<OfflineCheck> {
    const options = typeof at === 'number' ? { now: at } : at;
    const now = options.now ?? Date.now();
    const skew = Math.min(MAX_QR_CLOCK_SKEW_SECONDS, Math.max(0, options.skewSeconds ?? MAX_QR_CLOCK_SKEW_SECONDS));
    try {
      const { kid } = decodeProtectedHeader(token);
      const known = kid ? this.#keys.get(kid) : undefined;
      if (!known || known.retiresAt <= now) return { ok: false, reason: NOT_VALID };
      const key = await importJWK({ ...known.jwk, alg: 'EdDSA' }, 'EdDSA');
      // jose checks exp with a strict "<" and whole seconds; give it a second
      // more and apply the protocol's own rule below.
      const { payload } = await jwtVerify(token, key, {
        algorithms: ['EdDSA'],
        typ: PICKUP_TOKEN_TYPE,
        currentDate: new Date(now),
        clockTolerance: skew + 1,
      });
      if (typeof payload.exp !== 'number' || now / 1000 > payload.exp + skew) return { ok: false, reason: NOT_VALID };
      const label = typeof payload.cmp === 'string' ? payload.cmp : '';
      const jti = typeof payload.jti === 'string' ? payload.jti : '';
      const dep = typeof payload.dep === 'string' ? payload.dep : '';
      if (!jti || !dep || payload.bank !== bankId || !deposits.has(label)) return { ok: false, reason: NOT_VALID };
      // The door must hold the deposit the token was issued for, not an earlier or later one.
      if (deposits.get(label) !== dep) return { ok: false, reason: NOT_VALID };
      if (this.#revoked.has(jti) || this.#used.has(jti)) return { ok: false, reason: NOT_VALID };
      return { ok: true, label, tokenId: jti };
    } catch {
      return { ok: false, reason: NOT_VALID };
    }
  }
}
