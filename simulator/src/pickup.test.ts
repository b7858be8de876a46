import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { OfflinePickupVerifier, PICKUP_TOKEN_TYPE } from './pickup.js';

interface Claims {
  bank: string;
  cmp: string;
  dep?: string;
  jti: string;
  exp: number;
}

async function keyPair(kid: string) {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid };
  const sign = (claims: Claims, typ: string = PICKUP_TOKEN_TYPE) =>
    new SignJWT({ bank: claims.bank, cmp: claims.cmp, ...(claims.dep ? { dep: claims.dep } : {}) })
      .setProtectedHeader({ alg: 'EdDSA', kid, typ })
      .setJti(claims.jti)
      .setSubject('pcl_1')
      .setExpirationTime(claims.exp)
      .sign(privateKey);
  return { jwk, sign };
}

async function setup() {
  const k1 = await keyPair('k1');
  const verifier = new OfflinePickupVerifier();
  verifier.learn([{ kid: 'k1', jwk: k1.jwk, retiresAt: null }], ['revoked-1']);
  return { verifier, sign: k1.sign };
}

/** What each door holds now, as connection_ack and deposit commands said. */
const deposits = new Map<string, string | null>([
  ['A01', null],
  ['B01', 'dep-2'],
]);
const later = () => Math.floor(Date.now() / 1000) + 3600;
const ok = (c: Partial<Claims> & { jti: string }): Claims => ({
  bank: 'bank_1',
  cmp: 'B01',
  dep: 'dep-2',
  exp: later(),
  ...c,
});

describe('offline QR verification', () => {
  it('accepts a token signed for this bank, this door and the deposit in it, once', async () => {
    const { verifier, sign } = await setup();
    const token = await sign(ok({ jti: 'qr1' }));
    expect(await verifier.verify(token, 'bank_1', deposits)).toEqual({ ok: true, label: 'B01', tokenId: 'qr1' });
    verifier.markUsed('qr1');
    expect((await verifier.verify(token, 'bank_1', deposits)).ok).toBe(false);
  });

  it('refuses an earlier occupant’s token: its deposit is not the one in the compartment now', async () => {
    const { verifier, sign } = await setup();
    const earlier = await sign(ok({ jti: 'qr-old', dep: 'dep-1' }));
    expect((await verifier.verify(earlier, 'bank_1', deposits)).ok).toBe(false);
    // Nor for a door that holds nothing, nor a token that names no deposit at all.
    const empty = await sign(ok({ jti: 'qr-a', cmp: 'A01', dep: 'dep-2' }));
    expect((await verifier.verify(empty, 'bank_1', deposits)).ok).toBe(false);
    const noDep = await sign({ bank: 'bank_1', cmp: 'B01', jti: 'qr-b', exp: later() });
    expect((await verifier.verify(noDep, 'bank_1', deposits)).ok).toBe(false);
  });

  it('refuses a revoked token, from connection_ack or a REVOKE_PICKUP_TOKEN command; a new ack replaces the list', async () => {
    const { verifier, sign } = await setup();
    const listed = await sign(ok({ jti: 'revoked-1' }));
    expect((await verifier.verify(listed, 'bank_1', deposits)).ok).toBe(false);
    const later_ = await sign(ok({ jti: 'qr-2' }));
    expect((await verifier.verify(later_, 'bank_1', deposits)).ok).toBe(true);
    verifier.revoke('qr-2');
    expect((await verifier.verify(later_, 'bank_1', deposits)).ok).toBe(false);
    expect(verifier.revokedCount).toBe(2);
  });

  it('refuses another bank, an expired token, a forged one, one of another type', async () => {
    const { verifier, sign } = await setup();
    const refused = async (token: Promise<string>) => (await verifier.verify(await token, 'bank_1', deposits)).ok;
    expect(await refused(sign(ok({ jti: 'a', bank: 'bank_2' })))).toBe(false);
    expect(await refused(sign(ok({ jti: 'b', exp: 1 })))).toBe(false);
    expect(await refused(sign(ok({ jti: 'c' }), 'JWT'))).toBe(false);
    const other = await keyPair('k1');
    expect(await refused(other.sign(ok({ jti: 'd' })))).toBe(false);
  });

  it('accepts a rotated-out key until its retiresAt, and not after', async () => {
    const first = await keyPair('k1');
    const second = await keyPair('k2');
    const retiresAt = Date.now() + 60_000;
    const verifier = new OfflinePickupVerifier();
    verifier.learn(
      [
        { kid: 'k1', jwk: first.jwk, retiresAt: new Date(retiresAt).toISOString() },
        { kid: 'k2', jwk: second.jwk, retiresAt: null },
      ],
      [],
    );
    const old = await first.sign(ok({ jti: 'q1' }));
    const fresh = await second.sign(ok({ jti: 'q2' }));
    expect((await verifier.verify(old, 'bank_1', deposits)).ok).toBe(true);
    expect((await verifier.verify(old, 'bank_1', deposits, retiresAt + 1)).ok).toBe(false);
    expect((await verifier.verify(fresh, 'bank_1', deposits, retiresAt + 1)).ok).toBe(true);
  });

  it("judges exp on the server's time line with at most 300 s of slack, whatever is asked for", async () => {
    const { verifier, sign } = await setup();
    const exp = Math.floor(Date.now() / 1000);
    const token = await sign(ok({ jti: 'qr-exp', exp }));
    const at = (secondsAfterExp: number, skewSeconds?: number) =>
      verifier.verify(token, 'bank_1', deposits, {
        now: (exp + secondsAfterExp) * 1000,
        ...(skewSeconds !== undefined ? { skewSeconds } : {}),
      });
    expect((await at(300)).ok).toBe(true);
    expect((await at(301)).ok).toBe(false);
    expect((await at(30, 20)).ok).toBe(false); // a server may announce less slack
    expect((await at(20, 20)).ok).toBe(true);
    expect((await at(400, 3600)).ok).toBe(false); // never more than 300 s
  });
});
