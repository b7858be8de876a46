/**
 * The real Baylight server for the kit's `--server` test, started the way an
 * operator starts it: `tsx src/main.ts` on a free port with a fresh database
 * in a temporary directory (migrated on start), and an admin token made with
 * the admin command line. Stopped, and its directory removed, by `stop()`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootDir, tsx } from './paths.js';

export interface RealServer {
  url: string;
  adminToken: string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

export async function startRealServer(): Promise<RealServer> {
  const dir = mkdtempSync(join(tmpdir(), 'baylight-conformance-'));
  const port = await freePort();
  const serverDir = join(rootDir, 'server');
  const env = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_FILE: join(dir, 'baylight.db'),
    PICKUP_SIGNING_KEY_FILE: join(dir, 'pickup-signing-keys.json'),
    LOG_LEVEL: 'warn',
    DEV_OUTBOX: 'true',
  };
  const logFile = join(dir, 'server.log');
  const child = spawn(`exec ${tsx} src/main.ts > ${logFile} 2>&1`, {
    cwd: serverDir,
    env,
    shell: true,
    detached: true,
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        /* gone */
      }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      const log = readFileSync(logFile, 'utf8');
      await stop();
      throw new Error(`the server exited (${child.exitCode}):\n${log}`);
    }
    const up = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error('the server did not answer /healthz within 60 s');
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const admin = spawnSync(tsx, ['src/cli/admin.ts', 'create-token', '--role', 'ADMIN', '--name', 'conformance'], {
    cwd: serverDir,
    env,
    encoding: 'utf8',
  });
  const adminToken = admin.stdout.trim();
  if (admin.status !== 0 || !adminToken) {
    await stop();
    throw new Error(`npm run admin -- create-token failed: ${admin.stderr}`);
  }
  return { url, adminToken, stop };
}
