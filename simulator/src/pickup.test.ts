import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { OfflinePickupVerifier } from './pickup.js';

async function setup() {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1' };
  const sign = (claims: { bank: string; cmp: string; jti: string; exp: number }) =>
    new SignJWT({ bank: claims.bank, cmp: claims.cmp })
      .setProtectedHeader({ alg: 'EdDSA', kid: 'k1' })
      .setJti(claims.jti)
      .setSubject('pcl_1')
      .setExpirationTime(claims.exp)
      .sign(privateKey);
  const verifier = new OfflinePickupVerifier();
  verifier.learn([{ kid: 'k1', jwk: jwk }], ['revoked-1']);
  return { verifier, sign };
}

const labels = new Set(['A01', 'B01']);
const later = () => Math.floor(Date.now() / 1000) + 3600;

describe('offline QR verification', () => {
  it('accepts a token signed for this bank and door, once', async () => {
    const { verifier, sign } = await setup();
    const token = await sign({ bank: 'bank_1', cmp: 'B01', jti: 'qr1', exp: later() });
    expect(await verifier.verify(token, 'bank_1', labels)).toEqual({ ok: true, label: 'B01', tokenId: 'qr1' });
    verifier.markUsed('qr1');
    expect((await verifier.verify(token, 'bank_1', labels)).ok).toBe(false);
  });

  it('refuses another bank, an expired token, a revoked one, a forged one', async () => {
    const { verifier, sign } = await setup();
    expect(
      (await verifier.verify(await sign({ bank: 'bank_2', cmp: 'B01', jti: 'a', exp: later() }), 'bank_1', labels)).ok,
    ).toBe(false);
    expect(
      (await verifier.verify(await sign({ bank: 'bank_1', cmp: 'B01', jti: 'b', exp: 1 }), 'bank_1', labels)).ok,
    ).toBe(false);
    expect(
      (
        await verifier.verify(
          await sign({ bank: 'bank_1', cmp: 'B01', jti: 'revoked-1', exp: later() }),
          'bank_1',
          labels,
        )
      ).ok,
    ).toBe(false);
    const other = await setup();
    const forged = await other.sign({ bank: 'bank_1', cmp: 'B01', jti: 'c', exp: later() });
    expect((await verifier.verify(forged, 'bank_1', labels)).ok).toBe(false);
  });
});
