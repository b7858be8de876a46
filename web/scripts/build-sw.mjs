// Builds public/sw.js after `next build`: bundles src/sw/sw.ts with esbuild, then
// lets workbox-build inject the precache manifest (static chunks + shell pages).
// Webpack PWA plugins do not work with Turbopack builds (see STACK.md).
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { injectManifest } from 'workbox-build';

const webDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const nextDir = path.join(webDir, '.next');
const bundled = path.join(nextDir, 'sw.bundle.js');
const swDest = path.join(webDir, 'public', 'sw.js');

// The shell pages and the runtime configuration script are listed once, in src/shared/cache-names.ts (the
// service worker uses the same module): esbuild turns it into JavaScript this script can import.
const sharedFile = path.join(webDir, 'src', 'shared', 'cache-names.ts');
const shared = await build({
  entryPoints: [sharedFile],
  bundle: true,
  write: false,
  format: 'esm',
  logLevel: 'warning',
});
const { SHELL_PAGES, CONFIG_SCRIPT } = await import(
  `data:text/javascript;base64,${Buffer.from(shared.outputFiles[0].text).toString('base64')}`
);
const PUBLIC_ASSETS = [
  '/manifest.webmanifest',
  '/icons/icon.svg',
  '/icons/icon-192.png',
  '/icons/icon-512.png',
  '/icons/maskable-192.png',
  '/icons/maskable-512.png',
  '/icons/apple-touch-icon.png',
];

const buildId = (await readFile(path.join(nextDir, 'BUILD_ID'), 'utf8')).trim();

await build({
  entryPoints: [path.join(webDir, 'src', 'sw', 'sw.ts')],
  outfile: bundled,
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: ['es2020'],
  minify: true,
  legalComments: 'none',
  define: {
    __BUILD_ID__: JSON.stringify(buildId),
    // Workbox logs in development builds only.
    'process.env.NODE_ENV': '"production"',
  },
  logLevel: 'warning',
});

const { count, size, warnings } = await injectManifest({
  swSrc: bundled,
  swDest,
  globDirectory: path.join(nextDir, 'static'),
  globPatterns: ['**/*.{js,css,woff2,woff,png,svg,ico,json}'],
  // .next/static is served at /_next/static and every file name there is unique per content or build.
  modifyURLPrefix: { '': '/_next/static/' },
  dontCacheBustURLsMatching: /^\/_next\/static\//,
  maximumFileSizeToCacheInBytes: 5 * 1024 * 1024,
  additionalManifestEntries: [...SHELL_PAGES, CONFIG_SCRIPT, ...PUBLIC_ASSETS].map((url) => ({
    url,
    revision: buildId,
  })),
});

await rm(bundled, { force: true });

for (const warning of warnings) console.warn(`build-sw: ${warning}`);
console.log(`build-sw: public/sw.js for build ${buildId}: ${count} precached files, ${(size / 1024).toFixed(0)} KiB`);
