/**
 * Pickup QR tokens (PROTOCOL.md 6): compact JWS, EdDSA over Ed25519, made and
 * checked with node:crypto alone. The kit signs tokens with keys of its own
 * and hands the public halves to the controller in connection_ack.
 */
import { createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { PICKUP_TOKEN_TYPE } from './protocol.js';

export interface PickupClaims {
  sub?: string;
  dep?: string;
  bank?: string;
  cmp?: string;
  jti?: string;
  /** Seconds since the epoch. */
  exp?: number;
  [claim: string]: unknown;
}

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  /** The public key as a JWK (OKP, Ed25519). */
  jwk: { kty: 'OKP'; crv: 'Ed25519'; x: string };
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

export function generateSigningKey(kid: string): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const jwk = publicKey.export({ format: 'jwk' }) as { x?: string };
  if (!jwk.x) throw new Error('node:crypto exported an Ed25519 key without x');
  return { kid, privateKey, jwk: { kty: 'OKP', crv: 'Ed25519', x: jwk.x } };
}

/** Signs claims as a pickup token. `header` overrides the protected header (to make bad tokens). */
export function signPickupToken(key: SigningKey, claims: PickupClaims, header: Record<string, unknown> = {}): string {
  const protectedHeader = b64url(JSON.stringify({ alg: 'EdDSA', typ: PICKUP_TOKEN_TYPE, kid: key.kid, ...header }));
  const payload = b64url(JSON.stringify(claims));
  const signature = sign(null, Buffer.from(`${protectedHeader}.${payload}`), key.privateKey);
  return `${protectedHeader}.${payload}.${b64url(signature)}`;
}

export interface DecodedToken {
  header: Record<string, unknown>;
  claims: PickupClaims;
  signingInput: string;
  signature: Buffer;
}

/** Splits a compact JWS; null when it is not one. */
export function decodeToken(token: string): DecodedToken | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as unknown;
    const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as unknown;
    if (typeof header !== 'object' || header === null || typeof claims !== 'object' || claims === null) return null;
    return {
      header: header as Record<string, unknown>,
      claims: claims as PickupClaims,
      signingInput: `${parts[0]}.${parts[1]}`,
      signature: Buffer.from(parts[2]!, 'base64url'),
    };
  } catch {
    return null;
  }
}

/** True when the signature verifies with this public JWK (OKP, Ed25519). */
export function verifySignature(decoded: DecodedToken, jwk: { x: string }): boolean {
  try {
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, format: 'jwk' });
    return verify(null, Buffer.from(decoded.signingInput), key, decoded.signature);
  } catch {
    return false;
  }
}
