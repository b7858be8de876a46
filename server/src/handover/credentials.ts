/**
 * Pickup credentials.
 *
 * Keypad code: 8 digits derived from HMAC(secret, parcel id, code version), so
 * the server never stores it and a copy of the database alone reveals none.
 * A second HMAC (the "lookup") is stored to find the parcel for a typed code.
 * Revoking or re-issuing bumps the version.
 *
 * QR: a JWS signed with Ed25519 (EdDSA) carrying the parcel, the deposit, the
 * bank, the compartment and the expiry. A controller verifies it with the
 * public keys it receives in connection_ack, so pickup works while the
 * locker's uplink is down; the token id (jti) makes each token usable once,
 * and the deposit (dep) ties it to what is in the compartment now. The keys
 * live outside the database (signing-keys.ts).
 */
import { createHmac } from 'node:crypto';
import { decodeProtectedHeader, importJWK, jwtVerify, SignJWT, type CryptoKey, type JWK } from 'jose';
import type { Clock } from '../shared/clock.js';
import { liveKeys, signingKey, type PickupKeyStore, type SigningKey } from './signing-keys.js';

export const CODE_DIGITS = 8;
/** The JWS header `typ` of a pickup QR token. */
export const PICKUP_TOKEN_TYPE = 'baylight-pickup+jwt';

export function deriveCode(secret: string, parcelId: string, version: number): string {
  const digest = createHmac('sha256', secret).update(`pickup-code:${parcelId}:${version}`).digest();
  // 48 bits reduced mod 10^8: bias below 1e-6, negligible for a rate-limited keypad.
  const n = digest.readUIntBE(0, 6) % 10 ** CODE_DIGITS;
  return n.toString().padStart(CODE_DIGITS, '0');
}

export function codeLookup(secret: string, code: string): string {
  return createHmac('sha256', secret).update(`pickup-lookup:${code}`).digest('hex');
}

export interface QrClaims {
  /** parcel id */
  sub: string;
  /** The deposit the token opens: the one in `cmp` now (today the parcel id). */
  dep: string;
  /** bank id */
  bank: string;
  /** compartment label */
  cmp: string;
  jti: string;
  /** Seconds since the epoch. */
  exp: number;
}

/** A public key as controllers receive it (connection_ack, Query.pickupKeys). */
export interface PickupPublicKey {
  kid: string;
  alg: 'EdDSA';
  jwk: JWK;
  /** Null for the key that signs now; a rotated-out key verifies until then. */
  retiresAt: Date | null;
}

export interface PickupSigner {
  /** The kid of the key that signs now. */
  readonly kid: string;
  /** Every key that still verifies, the signing one last. */
  publicKeys(): PickupPublicKey[];
  sign(claims: QrClaims): Promise<string>;
  /**
   * The claims of a valid token, else null. Judged as of `at` (default now):
   * its key must be live then and `exp` not passed. With `checkExpiry: false`
   * the caller judges `exp` itself (an offline pickup, against when it happened).
   */
  verify(token: string, opts?: { at?: Date; checkExpiry?: boolean }): Promise<QrClaims | null>;
}

const publicJwkOf = ({ d: _d, ...jwk }: SigningKey['jwk'], kid: string): JWK => ({
  ...jwk,
  alg: 'EdDSA',
  use: 'sig',
  kid,
});

/** Signs with the ring's current key and verifies with any key not yet retired, by kid. */
export function createPickupSigner(keys: PickupKeyStore, clock: Clock): PickupSigner {
  // Imported keys by kid and by what was imported, so a reloaded ring with a reused kid is not confused.
  const imported = new Map<string, { source: string; key: Promise<CryptoKey | Uint8Array> }>();
  const keyFor = (k: SigningKey, part: 'private' | 'public') => {
    const jwk = part === 'private' ? { ...k.jwk, kid: k.kid } : publicJwkOf(k.jwk, k.kid);
    const source = JSON.stringify(jwk);
    const id = `${part}:${k.kid}`;
    const cached = imported.get(id);
    if (cached?.source === source) return cached.key;
    const key = importJWK({ ...jwk, alg: 'EdDSA' }, 'EdDSA');
    imported.set(id, { source, key });
    return key;
  };

  return {
    get kid() {
      return signingKey(keys.ring(), clock.now()).kid;
    },
    publicKeys() {
      const now = clock.now();
      const live = liveKeys(keys.ring(), now);
      const signer = signingKey(keys.ring(), now);
      return [...live.filter((k) => k.kid !== signer.kid), signer].map((k) => ({
        kid: k.kid,
        alg: 'EdDSA' as const,
        jwk: publicJwkOf(k.jwk, k.kid),
        retiresAt: k.retiresAt ? new Date(k.retiresAt) : null,
      }));
    },
    async sign(claims) {
      const key = signingKey(keys.ring(), clock.now());
      return new SignJWT({ dep: claims.dep, bank: claims.bank, cmp: claims.cmp })
        .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: PICKUP_TOKEN_TYPE })
        .setSubject(claims.sub)
        .setJti(claims.jti)
        .setExpirationTime(claims.exp)
        .sign(await keyFor(key, 'private'));
    },
    async verify(token, opts = {}) {
      try {
        const { kid } = decodeProtectedHeader(token);
        const now = opts.at ?? clock.now();
        const key = kid ? liveKeys(keys.ring(), now).find((k) => k.kid === kid) : undefined;
        if (!key) return null;
        const { payload } = await jwtVerify(token, await keyFor(key, 'public'), {
          algorithms: ['EdDSA'],
          typ: PICKUP_TOKEN_TYPE,
          currentDate: now,
          // jose always checks exp; a tolerance past any exp leaves it to the caller.
          clockTolerance: opts.checkExpiry === false ? Number.MAX_SAFE_INTEGER : 0,
        });
        const { sub, jti, exp, dep, bank, cmp } = payload;
        if (typeof sub !== 'string' || typeof jti !== 'string' || typeof exp !== 'number') return null;
        if (typeof dep !== 'string' || typeof bank !== 'string' || typeof cmp !== 'string') return null;
        return { sub, dep, jti, exp, bank, cmp };
      } catch {
        return null;
      }
    },
  };
}
