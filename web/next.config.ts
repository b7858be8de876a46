import type { NextConfig } from 'next';
import { CAMERA_PATH_PREFIXES, permissionsPolicy, STATIC_SECURITY_HEADERS } from './src/security-headers';

const asList = (headers: Readonly<Record<string, string>>) =>
  Object.entries(headers).map(([key, value]) => ({ key, value }));

const nextConfig: NextConfig = {
  poweredByHeader: false,
  reactStrictMode: true,
  headers() {
    // Next accepts a promise; nothing here needs awaiting. When several rules set one header,
    // the last matching rule wins: the camera pages come after the default.
    // The CSP and HSTS depend on the request: proxy.ts sends them.
    return Promise.resolve([
      {
        source: '/:path*',
        headers: asList({ ...STATIC_SECURITY_HEADERS, 'Permissions-Policy': permissionsPolicy('/') }),
      },
      ...CAMERA_PATH_PREFIXES.flatMap((prefix) =>
        [prefix, `${prefix}/:path*`].map((source) => ({
          source,
          headers: [{ key: 'Permissions-Policy', value: permissionsPolicy(prefix) }],
        })),
      ),
      {
        // The browser must always re-check the service worker so a new build is picked up.
        source: '/sw.js',
        headers: [
          { key: 'Content-Type', value: 'application/javascript; charset=utf-8' },
          { key: 'Cache-Control', value: 'no-cache, no-store, must-revalidate' },
        ],
      },
    ]);
  },
};

export default nextConfig;
