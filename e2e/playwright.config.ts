/**
 * Playwright drives Chromium through the real web app, server and simulated
 * controllers. Global setup starts the stack on dedicated ports (see
 * support/stack.ts); `npm test` at the root builds the web app for it first.
 *
 *   cd e2e && CHROMIUM_PATH=/usr/bin/chromium npx playwright test
 */
import { existsSync } from 'node:fs';
import { defineConfig, devices } from '@playwright/test';
import { webUrl } from './support/stack.js';
import { writeFakeCamera } from './support/fake-camera.js';

// Debian's Chromium when present (never download a browser here); elsewhere Playwright's own.
const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const executablePath = existsSync(chromiumPath) ? chromiumPath : undefined;

export default defineConfig({
  testDir: './tests',
  outputDir: './test-results',
  globalSetup: './global-setup.ts',
  // Two cores: one browser at a time, and one controller per bank token at a time.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  forbidOnly: !!process.env.CI,
  timeout: 30_000,
  // The whole suite: about 40 specs, several minutes on 2 cores; CI allows far more.
  globalTimeout: 20 * 60_000,
  expect: { timeout: 5_000 },
  reporter: [
    ['list'],
    ['json', { outputFile: process.env.PLAYWRIGHT_JSON_OUTPUT_NAME || './test-results/results.json' }],
  ],
  use: {
    baseURL: webUrl,
    actionTimeout: 10_000,
    navigationTimeout: 15_000,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
  },
  projects: [
    {
      name: 'chromium',
      use: {
        ...devices['Desktop Chrome'],
        launchOptions: {
          ...(executablePath ? { executablePath } : {}),
          args: [
            '--headless',
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            // A webcam that shows a QR code of a demo asset tag, allowed without a prompt.
            '--use-fake-device-for-media-stream',
            '--use-fake-ui-for-media-stream',
            `--use-file-for-fake-video-capture=${writeFakeCamera()}`,
          ],
        },
      },
    },
  ],
});
