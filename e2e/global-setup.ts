/**
 * Starts the real stack for the end-to-end tests and returns its teardown:
 *
 *   1. checks the web app is built (web/.next and its service worker); the
 *      build is not tied to an API URL: `next start` gets BAYLIGHT_API_URL;
 *   2. a fresh SQLite database in a temp dir, seeded with the demo campus
 *      (`seed-demo --compartments 8`), which writes the banks' device tokens
 *      and the kiosks' credentials;
 *   3. the server (tsx src/main.ts) on E2E_SERVER_PORT (4310), waiting for /healthz;
 *   4. the built web app (next start) on E2E_WEB_PORT (3310), with
 *      BAYLIGHT_API_URL pointing at this server (served to the browser as /config.js);
 *   5. signs the demo people in once through the API and writes their sessions
 *      and the paths to a state file (E2E_STATE_FILE) for the workers.
 *
 * Each process runs in its own process group (detached), and the group is
 * killed on teardown (and on runner exit), so no `next` child is left behind.
 * No simulated controller runs here: each test owns its controllers.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FullConfig } from '@playwright/test';
import { signInThroughApi } from './support/graphql.js';
import {
  apiUrl,
  e2eDir,
  readOutboxToken,
  rootDir,
  serverDir,
  serverPort,
  serverUrl,
  STATE_ENV,
  webDir,
  webPort,
  webUrl,
  writeState,
  type Session,
  type StackState,
} from './support/stack.js';

const bin = (name: string) => join(rootDir, 'node_modules', '.bin', name);

/** Demo people (server/src/demo/seed.ts), signed in once for the whole run. */
const DEMO_EMAILS = ['admin', 'it', 'mailroom', 'courier', 'student', 'analyst'].map((n) => `${n}@demo.baylight.dev`);

interface Proc {
  name: string;
  child: ChildProcess;
  logFile: string;
}

function log(message: string): void {
  console.log(`[e2e stack] ${message}`);
}

function checkWebBuild(): void {
  const rebuild =
    `run \`npm test\` from the repository root, or build the web app with\n` +
    `  npx turbo run build --filter=@baylight/web`;
  if (!existsSync(join(webDir, '.next', 'BUILD_ID'))) {
    throw new Error(`The web app is not built (web/.next is missing): ${rebuild}`);
  }
  if (!existsSync(join(webDir, 'public', 'sw.js'))) {
    throw new Error(`The web app's service worker (web/public/sw.js) is missing: ${rebuild}`);
  }
}

/** The web server hands the browser this stack's API URL (web/app/config.js/route.ts): check it does. */
async function checkWebConfig(): Promise<void> {
  const res = await fetch(`${webUrl}/config.js`, { signal: AbortSignal.timeout(5_000) });
  const body = await res.text();
  if (!res.ok || !body.includes(JSON.stringify(apiUrl))) {
    throw new Error(
      `The web app at ${webUrl} does not hand out ${apiUrl} (GET /config.js answered ${res.status}: ${body.slice(0, 200)}). ` +
        `Is web/.next from an older build without /config.js? Rebuild with \`npx turbo run build --filter=@baylight/web\`.`,
    );
  }
}

async function portAnswers(port: number): Promise<boolean> {
  try {
    await fetch(`http://localhost:${port}/`, { signal: AbortSignal.timeout(1_000) });
    return true;
  } catch {
    return false;
  }
}

function startProcess(
  name: string,
  cmd: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
  logDir: string,
): Proc {
  const logFile = join(logDir, `${name}.log`);
  const out = createWriteStream(logFile);
  const child = spawn(cmd, args, {
    cwd,
    detached: true, // own process group: teardown kills next's and tsx's children too
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  return { name, child, logFile };
}

/** Signals the whole process group: the direct child may be gone while its children (next, tsx's node) live on. */
function stopProcess(proc: Proc, signal: NodeJS.Signals = 'SIGTERM'): void {
  if (proc.child.pid === undefined) return;
  try {
    process.kill(-proc.child.pid, signal);
  } catch {
    /* already gone */
  }
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

async function waitFor(url: string, proc: Proc, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) {
      throw new Error(
        `${proc.name} exited (${proc.child.exitCode ?? proc.child.signalCode}) before answering ${url}:\n${tail(proc.logFile)}`,
      );
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${proc.name} did not answer ${url} within ${timeoutMs / 1000} s:\n${tail(proc.logFile)}`);
}

async function waitForExit(proc: Proc, timeoutMs: number): Promise<void> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  await Promise.race([
    new Promise((resolve) => proc.child.once('exit', resolve)),
    new Promise((resolve) => setTimeout(resolve, timeoutMs)),
  ]);
}

export default async function globalSetup(_config: FullConfig): Promise<() => Promise<void>> {
  const started = Date.now();
  checkWebBuild();
  for (const port of [serverPort, webPort]) {
    if (await portAnswers(port)) {
      throw new Error(
        `Port ${port} is already in use (a previous e2e run still running, or something else). ` +
          `Stop it, or choose other ports with E2E_SERVER_PORT / E2E_WEB_PORT (no rebuild needed: the web app gets the API URL when it starts).`,
      );
    }
  }

  const tempDir = mkdtempSync(join(tmpdir(), 'baylight-e2e-'));
  const databaseFile = join(tempDir, 'e2e.db');
  const devicesFile = join(tempDir, 'devices.json');
  const secretsFile = join(tempDir, 'secrets.json');
  const logDir = join(tempDir, 'logs');
  mkdirSync(logDir);

  const serverEnv: Record<string, string> = {
    PORT: String(serverPort),
    DATABASE_FILE: databaseFile,
    // The QR signing keys live outside the database; keep them in the run's temp directory too.
    PICKUP_SIGNING_KEY_FILE: join(tempDir, 'pickup-signing-keys.json'),
    DEV_OUTBOX: 'true',
    WEB_ORIGINS: webUrl,
    DEVICE_OFFLINE_GRACE_MS: '1000',
    // Half the default: the jammed-lock test waits for an opening to run out (every other opening
    // here is answered within a second).
    OPEN_COMMAND_TTL_MS: '15000',
    LOG_LEVEL: 'warn',
    LOG_PRETTY: 'false',
    PUBLIC_WEB_URL: webUrl,
  };

  const seeded = spawnSync(
    bin('tsx'),
    ['src/cli/seed-demo.ts', '--devices-out', devicesFile, '--secrets-out', secretsFile, '--compartments', '8'],
    {
      cwd: serverDir,
      env: { ...process.env, ...serverEnv },
      encoding: 'utf8',
    },
  );
  if (seeded.status !== 0) {
    rmSync(tempDir, { recursive: true, force: true });
    throw new Error(`seed-demo failed (exit ${seeded.status}):\n${seeded.stdout}\n${seeded.stderr}`);
  }

  const procs: Proc[] = [];
  const killAll = () => {
    for (const p of [...procs].reverse()) stopProcess(p);
  };
  const removeTemp = () => {
    if (!process.env.E2E_KEEP_TEMP) rmSync(tempDir, { recursive: true, force: true });
  };
  // When the runner exits without calling the teardown (it skips it when a test file fails to load):
  // both calls are synchronous.
  const onExit = () => {
    killAll();
    removeTemp();
  };
  process.on('exit', onExit);

  const teardown = async () => {
    process.off('exit', onExit);
    killAll();
    await Promise.all(procs.map((p) => waitForExit(p, 5_000)));
    for (const p of procs) stopProcess(p, 'SIGKILL');
    // Keep the logs next to the test results (git-ignored); the temp dir goes.
    try {
      cpSync(logDir, join(e2eDir, 'test-results', 'stack-logs'), { recursive: true });
    } catch {
      /* nothing to keep */
    }
    removeTemp();
    if (process.env.E2E_KEEP_TEMP) log(`kept ${tempDir}`);
  };

  try {
    const server = startProcess('server', bin('tsx'), ['src/main.ts'], serverDir, serverEnv, logDir);
    procs.push(server);
    const web = startProcess(
      'web',
      bin('next'),
      ['start', '-p', String(webPort)],
      webDir,
      { NEXT_TELEMETRY_DISABLED: '1', PORT: String(webPort), BAYLIGHT_API_URL: apiUrl },
      logDir,
    );
    procs.push(web);
    await waitFor(`${serverUrl}/healthz`, server, 30_000);
    await waitFor(`${webUrl}/offline`, web, 30_000);
    await checkWebConfig();

    const sessions: Record<string, Session> = {};
    const outboxToken = readOutboxToken(secretsFile);
    for (const email of DEMO_EMAILS) sessions[email] = await signInThroughApi(email, outboxToken);

    const statePath = join(tempDir, 'state.json');
    const state: StackState = { serverPort, webPort, tempDir, databaseFile, devicesFile, secretsFile, sessions };
    writeState(statePath, state);
    process.env[STATE_ENV] = statePath; // workers inherit the runner's environment
    log(
      `server ${serverUrl}, web ${webUrl}, database ${databaseFile} — ready in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  } catch (error) {
    await teardown();
    throw error;
  }
  return teardown;
}
