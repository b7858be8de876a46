import { describe, expect, it } from 'vitest';
import { checkPushEndpoint, isPublicAddress } from './push-endpoint.js';

describe('push endpoints', () => {
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.20.0.1',
    '192.168.1.10',
    '169.254.169.254',
    '100.64.0.1',
    '224.0.0.251',
    '0.0.0.0',
    '255.255.255.255',
    '::1',
    '::',
    'fe80::1',
    'fd12:3456::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:10.0.0.1',
  ])('%s is not a public address', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(['142.250.74.78', '17.253.144.10', '2a00:1450:4001:82b::200a', '::ffff:142.250.74.78'])(
    '%s is a public address',
    (address) => {
      expect(isPublicAddress(address)).toBe(true);
    },
  );

  const resolve = (table: Record<string, string[]>) => (host: string) =>
    table[host] ? Promise.resolve(table[host]) : Promise.reject(new Error('ENOTFOUND'));
  const check = (endpoint: string, table: Record<string, string[]> = {}) =>
    checkPushEndpoint(endpoint, { allowPrivateHosts: false, resolve: resolve(table) });

  it('refuses http, localhost, private literals, and names that resolve to any private address', async () => {
    expect((await check('http://fcm.googleapis.com/x')).ok).toBe(false);
    expect((await check('https://localhost/x')).ok).toBe(false);
    expect((await check('https://printer.local/x')).ok).toBe(false);
    expect((await check('https://127.0.0.1:8443/x')).ok).toBe(false);
    expect((await check('https://[::1]/x')).ok).toBe(false);
    expect((await check('https://2130706433/x')).ok).toBe(false); // WHATWG URL turns it into 127.0.0.1
    expect((await check('https://user:pw@push.example/x', { 'push.example': ['142.250.74.78'] })).ok).toBe(false);
    expect((await check('https://rebind.example/x', { 'rebind.example': ['142.250.74.78', '10.0.0.5'] })).ok).toBe(
      false,
    );
    expect((await check('https://nowhere.example/x')).ok).toBe(false);
  });

  it('accepts an https endpoint whose host resolves to public addresses only', async () => {
    expect(
      (await check('https://fcm.googleapis.com/fcm/send/abc', { 'fcm.googleapis.com': ['142.250.74.78'] })).ok,
    ).toBe(true);
  });
});
