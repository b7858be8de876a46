/**
 * Offline pickup QR verification, as a controller does it while its uplink is
 * down: the token is a JWS (EdDSA/Ed25519) from the server; the public keys
 * and the ids of revoked tokens arrive in connection_ack, and revocations also
 * as REVOKE_PICKUP_TOKEN commands. A token opens a door once.
 */
import { importJWK, jwtVerify, decodeProtectedHeader, type JWK } from 'jose';

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

const NOT_VALID = 'That code is not valid here.';

export class OfflinePickupVerifier {
  #keys = new Map<string, JWK>();
  readonly #revoked = new Set<string>();
  readonly #used = new Set<string>();

  learn(keys: readonly { kid: string; jwk: Record<string, unknown> }[], revoked: readonly string[]): void {
    this.#keys = new Map(keys.map((k) => [k.kid, k.jwk as JWK]));
    for (const id of revoked) this.#revoked.add(id);
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

  /** Checks signature, expiry, bank, door and single use, with no network. */
  async verify(
    token: string,
    bankId: string | undefined,
    labels: ReadonlySet<string>,
    now = Date.now(),
  ): Promise<OfflineCheck> {
    try {
      const { kid } = decodeProtectedHeader(token);
      const jwk = kid ? this.#keys.get(kid) : undefined;
      if (!jwk) return { ok: false, reason: NOT_VALID };
      const key = await importJWK({ ...jwk, alg: 'EdDSA' }, 'EdDSA');
      const { payload } = await jwtVerify(token, key, { algorithms: ['EdDSA'], currentDate: new Date(now) });
      const label = typeof payload.cmp === 'string' ? payload.cmp : '';
      const jti = typeof payload.jti === 'string' ? payload.jti : '';
      if (!jti || payload.bank !== bankId || !labels.has(label)) return { ok: false, reason: NOT_VALID };
      if (this.#revoked.has(jti) || this.#used.has(jti)) return { ok: false, reason: NOT_VALID };
      return { ok: true, label, tokenId: jti };
    } catch {
      return { ok: false, reason: NOT_VALID };
    }
  }
}
