/**
 * A throwaway redis-server for tests: its own free port on loopback, no
 * persistence, stopped after the test (disposables.ts). `restart()` kills it
 * (SIGKILL, like a crash) and starts a fresh one on the same port, which is
 * what a Redis restart looks like to the server: connections drop, nothing
 * is remembered.
 */
import { freePort } from './ports.js';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { track } from './disposables.js';

export interface TestRedis {
  port: number;
  url: string;
  /** A new command connection to it, closed after the test. */
  client(): Redis;
  /** Kills the server (SIGKILL); connections drop. */
  kill(): Promise<void>;
  /** Starts it again on the same port (after kill()), empty. */
  start(): Promise<void>;
  /** kill() then start(). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

let checked = false;
function requireRedisServer() {
  if (checked) return;
  const found = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (found.error || found.status !== 0) {
    throw new Error(
      'redis-server is not on PATH: the Redis tests need it. Install it with `apt-get install redis-server` ' +
        '(`npm test` does so when run as root).',
    );
  }
  checked = true;
}

function launch(port: number): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    const onData = (chunk: Buffer) => (output += chunk.toString());
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}) before accepting: ${output}`)));
    // Ready when it answers PING (a restart on the same port may take a moment to bind).
    const deadline = Date.now() + 10_000;
    const probe = async () => {
      const c = new Redis({
        port,
        host: '127.0.0.1',
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      c.on('error', () => {});
      try {
        await c.connect();
        await c.ping();
        c.disconnect();
        child.removeAllListeners('exit');
        resolve(child);
      } catch {
        c.disconnect();
        if (Date.now() > deadline) {
          child.kill('SIGKILL');
          reject(new Error(`redis-server on ${port} did not answer: ${output}`));
        } else setTimeout(() => void probe(), 50);
      }
    };
    void probe();
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startRedis(): Promise<TestRedis> {
  requireRedisServer();
  const port = await freePort();
  let child: ChildProcess | null = await launch(port);
  const clients: Redis[] = [];

  const kill = async () => {
    if (!child) return;
    const c = child;
    child = null;
    c.kill('SIGKILL');
    await exited(c);
  };
  const redis: TestRedis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    client() {
      const c = new Redis({ port, host: '127.0.0.1' });
      c.on('error', () => {});
      clients.push(c);
      return c;
    },
    kill,
    async start() {
      if (child) throw new Error('redis-server is already running');
      child = await launch(port);
    },
    async restart() {
      await kill();
      await redis.start();
    },
    async stop() {
      for (const c of clients.splice(0)) c.disconnect();
      await kill();
    },
  };
  return track(redis, () => redis.stop());
}
