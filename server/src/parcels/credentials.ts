/**
 * Pickup credentials.
 *
 * Keypad code: 8 digits derived from HMAC(secret, parcel id, code version), so
 * the server never stores it and a copy of the database alone reveals none.
 * A second HMAC (the "lookup") is stored to find the parcel for a typed code.
 * Revoking or re-issuing bumps the version.
 *
 * QR: a JWS signed with Ed25519 (EdDSA) carrying the parcel, bank, compartment
 * and expiry. A controller verifies it with the public key it receives in
 * connection_ack, so pickup works while the locker's uplink is down; the
 * token id (jti) makes each token usable once.
 */
import { createHmac } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT, type JWK } from 'jose';
import type { Db } from '../db/index.js';
import { tables } from '../db/index.js';

export const CODE_DIGITS = 8;

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
  /** bank id */
  bank: string;
  /** compartment label */
  cmp: string;
  jti: string;
  exp: number;
}

export interface PickupSigner {
  kid: string;
  publicJwk: JWK;
  sign(claims: QrClaims): Promise<string>;
  verify(token: string): Promise<QrClaims | null>;
}

/** The Ed25519 key pair, generated on first start and kept in server_settings. */
export async function loadPickupSigner(db: Db): Promise<PickupSigner> {
  const { serverSettings } = tables;
  const row = db.orm.select().from(serverSettings).where(eq(serverSettings.key, 'pickup_signing_key')).get();
  let privateJwk: JWK;
  if (row) {
    privateJwk = JSON.parse(row.value) as JWK;
  } else {
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    privateJwk = await exportJWK(privateKey);
    privateJwk.kid = `pk-${Date.now().toString(36)}`;
    db.orm
      .insert(serverSettings)
      .values({ key: 'pickup_signing_key', value: JSON.stringify(privateJwk) })
      .onConflictDoNothing()
      .run();
    // Another process may have won the race: use what is stored.
    const stored = db.orm.select().from(serverSettings).where(eq(serverSettings.key, 'pickup_signing_key')).get();
    privateJwk = JSON.parse(stored!.value) as JWK;
  }
  const kid = privateJwk.kid ?? 'pk';
  const { d: _d, ...publicJwk } = privateJwk;
  const privateKey = await importJWK({ ...privateJwk, alg: 'EdDSA' }, 'EdDSA');
  const publicKey = await importJWK({ ...publicJwk, alg: 'EdDSA' }, 'EdDSA');
  return {
    kid,
    publicJwk: { ...publicJwk, alg: 'EdDSA', use: 'sig', kid },
    sign: (claims) =>
      new SignJWT({ bank: claims.bank, cmp: claims.cmp })
        .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'baylight-pickup+jwt' })
        .setSubject(claims.sub)
        .setJti(claims.jti)
        .setExpirationTime(claims.exp)
        .sign(privateKey),
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, publicKey, { algorithms: ['EdDSA'] });
        if (typeof payload.sub !== 'string' || typeof payload.jti !== 'string' || typeof payload.exp !== 'number')
          return null;
        if (typeof payload.bank !== 'string' || typeof payload.cmp !== 'string') return null;
        return { sub: payload.sub, jti: payload.jti, exp: payload.exp, bank: payload.bank, cmp: payload.cmp };
      } catch {
        return null;
      }
    },
  };
}
