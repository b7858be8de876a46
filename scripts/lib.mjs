// Small helpers shared by the demo and test launchers (plain Node, no dependencies).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const bin = (name) => join(root, 'node_modules', '.bin', name);

/** Runs a command to completion with inherited output; returns its exit code. */
export function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts, env: { ...process.env, ...opts.env } });
  return r.status ?? 1;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Whether any live (not zombie) process is in process group `pgid`. Linux: read
 * from /proc, so an exited child that nobody has reaped yet does not count;
 * elsewhere: signal 0 to the group.
 */
export function groupAlive(pgid) {
  try {
    const entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
    for (const pid of entries) {
      let stat;
      try {
        stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      } catch {
        continue;
      }
      const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(after[2]) === pgid && after[0] !== 'Z') return true;
    }
    return false;
  } catch {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch (error) {
      return error.code === 'EPERM';
    }
  }
}

function signalGroup(pgid, signal) {
  try {
    process.kill(-pgid, signal);
  } catch {
    /* already gone */
  }
}

/**
 * Starts and stops the demo's processes. Each runs in its own process group
 * (npx, tsx and next leave children behind otherwise), so stopping one
 * signals the whole group, and waits until no process of the group is left.
 */
export function createSupervisor() {
  /** @type {Set<{ name: string, child: import('node:child_process').ChildProcess, pgid: number, exited: Promise<{ code: number | null, signal: string | null }> }>} */
  const procs = new Set();

  const track = (name, child) => {
    const p = { name, child, pgid: child.pid ?? -1 };
    p.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      // A command that cannot be started at all (not installed): no 'exit' follows.
      child.once('error', (error) => {
        process.stderr.write(`[${name}] could not start: ${error.message}\n`);
        resolve({ code: 127, signal: null });
      });
    });
    if (child.pid !== undefined) procs.add(p);
    return p;
  };

  return {
    /** A long-running service, output prefixed with its name. */
    start(name, cmd, args, opts = {}) {
      const child = spawn(cmd, args, {
        cwd: root,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        ...opts,
        env: { ...process.env, ...opts.env },
      });
      const prefix = `[${name}]`.padEnd(12);
      const pipe = (stream, out) => {
        let buf = '';
        stream.on('data', (chunk) => {
          buf += chunk;
          const lines = buf.split('\n');
          buf = lines.pop() ?? '';
          for (const line of lines) out.write(`${prefix} ${line}\n`);
        });
      };
      pipe(child.stdout, process.stdout);
      pipe(child.stderr, process.stderr);
      return track(name, child);
    },

    /** A step that runs to completion (build, seed), output as it is; resolves to its exit code. */
    async step(name, cmd, args, opts = {}) {
      const child = spawn(cmd, args, {
        cwd: root,
        detached: true,
        stdio: ['ignore', 'inherit', 'inherit'],
        ...opts,
        env: { ...process.env, ...opts.env },
      });
      const p = track(name, child);
      const { code, signal } = await p.exited;
      // Its group may still hold helpers (turbo's daemon is started detached on purpose, and is not ours).
      procs.delete(p);
      return code ?? (signal ? 1 : 0);
    },

    /** Process group ids of everything running now. */
    groups: () => [...procs].map((p) => p.pgid),
    running: () => [...procs],

    /** Stops one process group (SIGTERM, then SIGKILL after `graceMs`); resolves once it is gone. */
    async stop(p, { graceMs = 8_000 } = {}) {
      signalGroup(p.pgid, 'SIGTERM');
      const deadline = Date.now() + graceMs;
      while (Date.now() < deadline && groupAlive(p.pgid)) await sleep(100);
      if (groupAlive(p.pgid)) signalGroup(p.pgid, 'SIGKILL');
      procs.delete(p);
    },

    /**
     * SIGTERM to every group, then SIGKILL to what is left after `graceMs`.
     * Resolves to the names of groups that still had live processes at the end (normally none).
     */
    async stopAll({ graceMs = 8_000 } = {}) {
      const list = [...procs].reverse();
      for (const p of list) signalGroup(p.pgid, 'SIGTERM');
      const deadline = Date.now() + graceMs;
      while (Date.now() < deadline && list.some((p) => groupAlive(p.pgid))) await sleep(100);
      const stubborn = list.filter((p) => groupAlive(p.pgid));
      for (const p of stubborn) signalGroup(p.pgid, 'SIGKILL');
      if (stubborn.length) await sleep(300);
      return list.filter((p) => groupAlive(p.pgid)).map((p) => p.name);
    },

    /** Last resort, synchronous (process 'exit', a second Ctrl+C): SIGKILL every group. */
    killAllNow() {
      for (const p of procs) signalGroup(p.pgid, 'SIGKILL');
    },
  };
}

export async function waitForUrl(url, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
}

/** Where a Chromium for the browser tests is, or null. */
export function findChromium() {
  const candidates = [
    process.env.CHROMIUM_PATH,
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
  ];
  return candidates.find((p) => p && existsSync(p)) ?? null;
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/**
 * Makes sure a program the tests need is on this machine: `find()` says where
 * it is (or null); as root with apt, Debian's `pkg` is installed. Returns the
 * path, or prints what to install and returns null.
 */
export function ensureDebianPackage({ what, pkg, find, elsewhere, after }) {
  const found = find();
  if (found) return found;
  if (isRoot() && existsSync('/usr/bin/apt-get')) {
    console.log(`No ${what} found: installing Debian's ${pkg} package…`);
    run('apt-get', ['update', '-qq']);
    if (run('apt-get', ['install', '-y', '-qq', pkg], { env: { DEBIAN_FRONTEND: 'noninteractive' } }) === 0) {
      after?.();
      return find();
    }
  }
  console.error(
    [
      `The tests need ${what} and none was found.`,
      `  Debian/Ubuntu:  sudo apt-get install -y ${pkg}`,
      ...(elsewhere ? [`  elsewhere:      ${elsewhere}`] : []),
    ].join('\n'),
  );
  return null;
}

/** A browser for the Playwright tests: Debian's Chromium when none is found. */
export function ensureChromium() {
  return ensureDebianPackage({
    what: 'Chromium (for the browser tests)',
    pkg: 'chromium',
    find: findChromium,
    elsewhere: 'install Chromium or Chrome and set CHROMIUM_PATH=/path/to/chrome',
  });
}

/** Where PostgreSQL's server programs are (initdb, postgres), or null. */
export function findPostgres() {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return null;
  const versions = readdirSync(base)
    .filter((v) => existsSync(join(base, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(base, versions[0], 'bin') : null;
}

/** Where redis-server is, or null. */
export function findRedis() {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, 'redis-server'))) return join(dir, 'redis-server');
  }
  return null;
}

/**
 * The servers the PostgreSQL and Redis tests start their own throwaway
 * instances of (on free loopback ports): only the programs are needed, so the
 * system-wide instances a fresh install starts are stopped again.
 */
export function ensureTestServers() {
  const stop = (service) => () =>
    run('sh', ['-c', `(service ${service} stop || systemctl stop ${service}) >/dev/null 2>&1 || true`]);
  const postgres = ensureDebianPackage({
    what: 'PostgreSQL (initdb and postgres, for the PostgreSQL tests)',
    pkg: 'postgresql',
    find: findPostgres,
    after: stop('postgresql'),
  });
  const redis = ensureDebianPackage({
    what: 'redis-server (for the Redis tests)',
    pkg: 'redis-server',
    find: findRedis,
    after: stop('redis-server'),
  });
  return { postgres, redis };
}
