/**
 * Where the end-to-end stack runs and what global setup hands to the tests.
 *
 * Ports default to 4310 (server) and 3310 (web), away from the demo's 4000 and
 * 3000, and can be moved with E2E_SERVER_PORT / E2E_WEB_PORT. The web app is
 * built once for any server: global setup starts `next start` with
 * BAYLIGHT_API_URL=http://localhost:<server port>/graphql, which the web server
 * hands to the browser as /config.js.
 *
 * Global setup writes a JSON state file (path in E2E_STATE_FILE, inherited by
 * the workers) with the demo people's sessions and the banks' device tokens.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const e2eDir = dirname(dirname(fileURLToPath(import.meta.url)));
export const rootDir = dirname(e2eDir);

function port(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`${name} must be a port number, got "${raw}"`);
  return n;
}

export const serverPort = port('E2E_SERVER_PORT', 4310);
export const webPort = port('E2E_WEB_PORT', 3310);

/** `localhost`, not 127.0.0.1: the server's CORS allow-list names this exact origin. */
export const webUrl = `http://localhost:${webPort}`;
export const serverUrl = `http://localhost:${serverPort}`;
export const apiUrl = `${serverUrl}/graphql`;
export const wsUrl = `ws://localhost:${serverPort}/graphql`;

export const STATE_ENV = 'E2E_STATE_FILE';

export type Role = 'STUDENT' | 'STAFF' | 'IT' | 'MAILROOM' | 'COURIER' | 'ADMIN' | 'DEPARTMENT';

/** What the web app keeps in localStorage under `baylight.session` (web/src/lib/session.ts). */
export interface Session {
  token: string;
  expiresAt: string;
  person: { id: string; name: string; email: string; role: Role };
}

export interface DeviceEntry {
  name: string;
  bankId: string;
  deviceToken: string;
}

export interface StackState {
  serverPort: number;
  webPort: number;
  tempDir: string;
  databaseFile: string;
  devicesFile: string;
  /** seed-demo's `--secrets-out`: `{ kiosks: [{ bankId, name, token }], tokens, studentId }`. */
  secretsFile: string;
  /** Sessions of the demo people, signed in once by global setup, by e-mail. */
  sessions: Record<string, Session>;
}

export function statePath(): string {
  const path = process.env[STATE_ENV];
  if (!path) {
    throw new Error(
      `${STATE_ENV} is not set: run the tests with \`npx playwright test\` in e2e/ (global setup starts the stack)`,
    );
  }
  return path;
}

export function readState(): StackState {
  return JSON.parse(readFileSync(statePath(), 'utf8')) as StackState;
}

export function writeState(path: string, state: StackState): void {
  writeFileSync(path, JSON.stringify(state, null, 2), { mode: 0o600 });
}

/**
 * The token that reads the dev outbox: the server shows it to admins only, so
 * the tests use the demo admin's API token that seed-demo wrote
 * (`--secrets-out`). Global setup passes its file before the state exists.
 */
export function readOutboxToken(secretsFile: string = readState().secretsFile): string {
  const token = (JSON.parse(readFileSync(secretsFile, 'utf8')) as { tokens?: { admin?: string } }).tokens?.admin;
  if (!token) throw new Error(`no admin token in ${secretsFile} (seed-demo --secrets-out writes it)`);
  return token;
}

/** The banks' current device tokens (seed-demo's output, updated when a test rotates one). */
export function readDevices(): DeviceEntry[] {
  return JSON.parse(readFileSync(readState().devicesFile, 'utf8')) as DeviceEntry[];
}

/** Records a bank's new device token, so later tests (and a restarted worker) use it. */
export function saveDeviceToken(bankName: string, deviceToken: string): void {
  const file = readState().devicesFile;
  const devices = JSON.parse(readFileSync(file, 'utf8')) as DeviceEntry[];
  const entry = devices.find((d) => d.name === bankName);
  if (!entry) throw new Error(`no bank named "${bankName}" in ${file}`);
  entry.deviceToken = deviceToken;
  writeFileSync(file, JSON.stringify(devices, null, 2), { mode: 0o600 });
}

export const webDir = join(rootDir, 'web');
export const serverDir = join(rootDir, 'server');
