import { describe, expect, it } from 'vitest';
import nextConfig from '../next.config';
import { needsOwnDocument } from '@/lib/roles';
import {
  apiOrigins,
  contentSecurityPolicy,
  permissionsPolicy,
  requestIsTls,
  requestSecurityHeaders,
} from './security-headers';

/** The headers next.config.ts gives a path, the last matching rule winning (as Next applies them). */
async function configHeaders(path: string): Promise<Record<string, string>> {
  const rules = (await nextConfig.headers!()) as { source: string; headers: { key: string; value: string }[] }[];
  const matches = (source: string) => {
    const pattern = `^${source.replace(/\/:path\*$/, '(/.*)?').replace(/:path\*/, '.*')}$`;
    return new RegExp(pattern).test(path);
  };
  const out: Record<string, string> = {};
  for (const rule of rules) if (matches(rule.source)) for (const h of rule.headers) out[h.key] = h.value;
  return out;
}

const directives = (csp: string) => new Map(csp.split('; ').map((d) => [d.split(' ')[0]!, d.split(' ').slice(1)]));

describe('the web app’s security headers', () => {
  it('sends nosniff, a referrer policy, no framing and a same-origin opener on every page', async () => {
    for (const path of ['/', '/sign-in', '/desk', '/kiosk/bnk_1', '/sw.js', '/config.js']) {
      expect(await configHeaders(path)).toMatchObject({
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'strict-origin-when-cross-origin',
        'X-Frame-Options': 'DENY',
        'Cross-Origin-Opener-Policy': 'same-origin',
      });
    }
  });

  it('allows the camera only on the desk, the courier drop-off, the kiosk and the asset register, and nothing else powerful anywhere', async () => {
    for (const path of ['/desk', '/desk/recall', '/dropoff', '/kiosk', '/kiosk/bnk_1', '/assets']) {
      expect((await configHeaders(path))['Permissions-Policy']).toMatch(/(^|, )camera=\(self\)/);
    }
    for (const path of ['/', '/parcels', '/settings', '/sign-in', '/alerts', '/deskish', '/assetsx']) {
      expect((await configHeaders(path))['Permissions-Policy']).toMatch(/(^|, )camera=\(\)/);
    }
    for (const feature of ['microphone', 'geolocation', 'payment', 'usb']) {
      expect(permissionsPolicy('/desk')).toContain(`${feature}=()`);
    }
  });

  it('reaches a camera page with a full page load from a page whose document has no camera', () => {
    expect(needsOwnDocument('/desk', '/')).toBe(true);
    expect(needsOwnDocument('/dropoff', '/sign-in')).toBe(true);
    expect(needsOwnDocument('/desk/recall', '/desk')).toBe(false);
    expect(needsOwnDocument('/alerts', '/')).toBe(false);
    expect(needsOwnDocument('/assets', '/lockers')).toBe(true);
  });

  it('builds a CSP that allows this origin, its service worker and the API with its WebSocket, and nothing third-party', () => {
    const csp = contentSecurityPolicy({
      apiUrl: 'https://api.lockers.example.edu/graphql',
      host: 'lockers.example.edu',
      tls: true,
      dev: false,
    });
    const d = directives(csp);
    expect(d.get('default-src')).toEqual(["'self'"]);
    expect(d.get('connect-src')).toEqual(
      expect.arrayContaining(["'self'", 'https://api.lockers.example.edu', 'wss://api.lockers.example.edu']),
    );
    expect(d.get('worker-src')).toEqual(["'self'"]);
    expect(d.get('frame-ancestors')).toEqual(["'none'"]);
    expect(d.get('object-src')).toEqual(["'none'"]);
    expect(d.get('base-uri')).toEqual(["'self'"]);
    expect(d.get('script-src')).toEqual(["'self'", "'unsafe-inline'"]); // why inline stays: security-headers.ts
    expect(csp).not.toMatch(/unsafe-eval|https?:\/\/(?!api\.lockers)/);
    expect(d.has('upgrade-insecure-requests')).toBe(true);
  });

  it('derives the API origins from a relative URL, the demo’s absolute one, and development', () => {
    expect(apiOrigins('/graphql', 'lockers.example.edu', true)).toEqual([
      'https://lockers.example.edu',
      'wss://lockers.example.edu',
    ]);
    expect(apiOrigins('http://localhost:4000/graphql', 'localhost:3000', false)).toEqual([
      'http://localhost:4000',
      'ws://localhost:4000',
    ]);
    const dev = directives(
      contentSecurityPolicy({ apiUrl: '/graphql', host: 'localhost:3000', tls: false, dev: true }),
    );
    expect(dev.get('script-src')).toContain("'unsafe-eval'");
    expect(dev.get('connect-src')).toContain('ws://localhost:3000');
  });

  it('sends HSTS only over TLS, directly or per the proxy’s X-Forwarded-Proto', () => {
    const base = { apiUrl: '/graphql', host: 'h', dev: false };
    expect(requestSecurityHeaders({ ...base, tls: true })['Strict-Transport-Security']).toMatch(/max-age=\d{7,}/);
    expect(requestSecurityHeaders({ ...base, tls: false })['Strict-Transport-Security']).toBeUndefined();
    expect(requestIsTls('http:', 'https')).toBe(true);
    expect(requestIsTls('http:', 'https, http')).toBe(true);
    expect(requestIsTls('https:', null)).toBe(true);
    expect(requestIsTls('http:', null)).toBe(false);
  });
});
