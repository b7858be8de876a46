/**
 * A local stand-in for a web push service (RFC 8030) over HTTPS, and the
 * browser's side of a subscription: it decrypts what the server sends
 * (aes128gcm, RFC 8188 + RFC 8291) and checks the VAPID JWT (RFC 8292), so a
 * test proves the real encrypted message, not a mock of the sender.
 */
import { createECDH, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { Agent, createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { importJWK, jwtVerify } from 'jose';
import { generate } from 'selfsigned';
import { track } from './disposables.js';

export interface PushDelivery {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export async function startPushService() {
  const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
    days: 1,
    keySize: 2048,
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
  } as never);
  const deliveries: PushDelivery[] = [];
  /** Per subscription path: the status the service answers (201 unless set). */
  const statusFor = new Map<string, number>();
  const server = createServer({ key: pems.private, cert: pems.cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '';
      deliveries.push({ path, headers: req.headers, body: Buffer.concat(chunks) });
      res.statusCode = statusFor.get(path) ?? 201;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  track(server, () => new Promise<void>((r) => server.close(() => r())));
  const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    deliveries,
    statusFor,
    /** Trusts exactly this service's certificate. */
    agent: new Agent({ ca: pems.cert }),
    /** A browser's subscription: endpoint and keys to register, and how to read what arrives. */
    subscribe(id: string) {
      const ecdh = createECDH('prime256v1');
      const uaPublic = ecdh.generateKeys();
      const auth = randomBytes(16);
      return {
        endpoint: `${origin}/push/${id}`,
        p256dh: uaPublic.toString('base64url'),
        auth: auth.toString('base64url'),
        decrypt: (body: Buffer) => decryptAes128gcm(body, ecdh, uaPublic, auth),
      };
    },
  };
}

/** RFC 8291 §3.4 / RFC 8188: one record, padding delimiter 0x02. */
export function decryptAes128gcm(
  body: Buffer,
  ecdh: ReturnType<typeof createECDH>,
  uaPublic: Buffer,
  authSecret: Buffer,
): string {
  const salt = body.subarray(0, 16);
  const idlen = body.readUInt8(20);
  const asPublic = body.subarray(21, 21 + idlen);
  const ciphertext = body.subarray(21 + idlen);
  const ecdhSecret = ecdh.computeSecret(asPublic);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), uaPublic, asPublic]);
  const ikm = Buffer.from(hkdfSync('sha256', ecdhSecret, authSecret, keyInfo, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  const padded = Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - 16)), decipher.final()]);
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error('bad padding delimiter');
  return padded.subarray(0, end).toString('utf8');
}

/** RFC 8292: `Authorization: vapid t=<JWT>, k=<P-256 public key>`; returns the verified claims. */
export async function verifyVapid(authorization: string) {
  const m = /^vapid t=([^,]+),\s*k=(\S+)$/.exec(authorization);
  if (!m) throw new Error(`not a VAPID header: ${authorization}`);
  const key = Buffer.from(m[2]!, 'base64url');
  const jwk = {
    kty: 'EC',
    crv: 'P-256',
    x: key.subarray(1, 33).toString('base64url'),
    y: key.subarray(33, 65).toString('base64url'),
  };
  const { payload } = await jwtVerify(m[1]!, await importJWK(jwk, 'ES256'), { algorithms: ['ES256'] });
  return { claims: payload, publicKey: m[2]! };
}
