/**
 * A server instance in a child process (`tsx src/main.ts`), for what an
 * in-process test server cannot show: an instance killed with SIGKILL, its
 * sockets never closed, its timers never run, its leases left to expire.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { track } from './disposables.js';
import { freePort } from './ports.js';

const serverDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const tsx = join(serverDir, '..', 'node_modules', '.bin', 'tsx');

export interface ChildInstance {
  port: number;
  url: string;
  wsUrl: string;
  /** SIGKILL to the whole process group: nothing is closed, nothing released. */
  kill(): void;
}

export async function startChildInstance(env: Record<string, string>): Promise<ChildInstance> {
  const port = await freePort();
  // detached: tsx's own child is the server, so the group is killed, not just tsx.
  const child: ChildProcess = spawn(tsx, ['src/main.ts'], {
    cwd: serverDir,
    env: { ...process.env, HOST: '127.0.0.1', LOG_LEVEL: 'error', ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true,
  });
  let exited = false;
  child.once('exit', () => (exited = true));
  const kill = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // gone already
    }
  };
  track(null, kill);
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited) throw new Error(`the child instance on port ${port} exited before it answered /healthz`);
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      kill();
      throw new Error(`the child instance on port ${port} did not answer /healthz in 30 s`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { port, url: `http://127.0.0.1:${port}/graphql`, wsUrl: `ws://127.0.0.1:${port}/graphql`, kill };
}
