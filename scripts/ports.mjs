// Is a TCP port free, and if not, which process holds it? For the demo
// launcher, which must never mistake an old server for its own (plain Node,
// no dependencies; Linux /proc, then `ss`, then "unknown").
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';

/**
 * Whether `port` can be listened on at `host`. A port is taken when binding
 * fails (EADDRINUSE), or when something already answers on 127.0.0.1 or ::1
 * (a server on [::1] only would not stop a bind on 127.0.0.1, but a browser
 * opening "localhost" may reach it instead of ours).
 * @param {number} port
 * @param {string} host
 * @returns {Promise<{ free: boolean, error?: string }>}
 */
export async function probePort(port, host) {
  const bind = await new Promise((resolve) => {
    const server = createServer();
    server.once('error', (/** @type {NodeJS.ErrnoException} */ err) => resolve(err.code ?? String(err)));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(null)));
  });
  if (bind) return { free: false, error: bind };
  for (const address of ['127.0.0.1', '::1']) {
    if (await answers(port, address)) return { free: false, error: `answers on ${address}` };
  }
  return { free: true };
}

/** @param {number} port @param {string} host @returns {Promise<boolean>} */
function answers(port, host) {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    const done = (/** @type {boolean} */ ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Socket inodes listening on `port`, read from a /proc/net/tcp-style table.
 * Exported for the tests, which feed it sample text.
 * @param {string} table contents of /proc/net/tcp or /proc/net/tcp6
 * @param {number} port
 * @returns {string[]}
 */
export function listeningInodes(table, port) {
  const inodes = [];
  for (const line of table.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
    if (f.length < 10) continue;
    const local = f[1] ?? '';
    const state = f[3];
    if (state !== '0A') continue; // TCP_LISTEN
    const hexPort = local.slice(local.lastIndexOf(':') + 1);
    if (Number.parseInt(hexPort, 16) === port && f[9] && f[9] !== '0') inodes.push(f[9]);
  }
  return inodes;
}

/**
 * The process group of a /proc/<pid>/stat line: the fifth field, counted after
 * the command name in parentheses (which may itself hold spaces or parentheses).
 * @param {string} stat
 * @returns {number | undefined}
 */
export function pgidFromStat(stat) {
  const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const pgid = Number(after[2]);
  return Number.isInteger(pgid) ? pgid : undefined;
}

/**
 * Processes listening on `port`: pid, process group and command line.
 * Linux: /proc (all processes this user may see); elsewhere `ss -ltnp`; else [].
 * @param {number} port
 * @param {{ proc?: string }} [opts] where /proc is (tests)
 * @returns {{ pid: number, pgid?: number, cwd?: string, command: string }[]}
 */
export function findListeners(port, opts = {}) {
  const proc = opts.proc ?? '/proc';
  let inodes;
  try {
    inodes = new Set(
      ['tcp', 'tcp6'].flatMap((t) => {
        try {
          return listeningInodes(readFileSync(`${proc}/net/${t}`, 'utf8'), port);
        } catch {
          return [];
        }
      }),
    );
    readdirSync(proc); // no /proc at all: fall through to ss
  } catch {
    return fromSs(port);
  }
  if (inodes.size === 0) return [];
  const found = [];
  for (const entry of readdirSync(proc)) {
    if (!/^\d+$/.test(entry)) continue;
    let fds;
    try {
      fds = readdirSync(`${proc}/${entry}/fd`);
    } catch {
      continue; // gone, or not ours to look at
    }
    const holds = fds.some((fd) => {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`${proc}/${entry}/fd/${fd}`));
        return m !== null && inodes.has(m[1] ?? '');
      } catch {
        return false;
      }
    });
    if (!holds) continue;
    const pid = Number(entry);
    let command = '?';
    let pgid;
    let cwd;
    try {
      command = readFileSync(`${proc}/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ') || '?';
      pgid = pgidFromStat(readFileSync(`${proc}/${entry}/stat`, 'utf8'));
      cwd = readlinkSync(`${proc}/${entry}/cwd`);
    } catch {
      /* it just exited, or its cwd is not ours to read */
    }
    found.push({ pid, ...(pgid !== undefined ? { pgid } : {}), ...(cwd ? { cwd } : {}), command });
  }
  return found.length ? found : fromSs(port);
}

/** `ss -ltnpH 'sport = :PORT'`: users:(("node",pid=123,fd=20)). */
function fromSs(port) {
  const r = spawnSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' });
  if (r.status !== 0 || !r.stdout) return [];
  const found = new Map();
  for (const m of r.stdout.matchAll(/\("([^"]*)",pid=(\d+)/g))
    found.set(Number(m[2]), { pid: Number(m[2]), command: m[1] ?? '?' });
  return [...found.values()];
}

/**
 * The first `count` ports after `from` that are free at `host` and not in `avoid`: what to suggest instead.
 * @param {number} from
 * @param {number} count
 * @param {string} host
 * @param {number[]} [avoid]
 * @returns {Promise<number[]>}
 */
export async function freePortsAfter(from, count, host, avoid = []) {
  const found = [];
  for (let port = from + 1; port <= 65535 && found.length < count && port <= from + 200; port++) {
    if (avoid.includes(port)) continue;
    if ((await probePort(port, host)).free) found.push(port);
  }
  return found;
}

/**
 * What to tell someone whose port is taken: which port, what holds it, how to
 * stop it or choose another.
 * @param {{ port: number, variable: string, role: string, holders: { pid: number, pgid?: number, cwd?: string, command: string }[], root: string, otherPorts: string }} p
 */
export function describeTakenPort({ port, variable, role, holders, root, otherPorts }) {
  const lines = [`Port ${port} (${variable}, ${role}) is already in use.`];
  if (holders.length === 0) {
    lines.push(
      '  The process holding it is not visible to this user. Find it with:',
      `    ss -ltnp 'sport = :${port}'      or      lsof -i :${port}`,
    );
  } else {
    lines.push('  It is held by:');
    for (const h of holders) {
      const group = h.pgid !== undefined && h.pgid !== h.pid ? `, process group ${h.pgid}` : '';
      const where = h.cwd ? `, in ${h.cwd}` : '';
      const command = h.command.length > 160 ? `${h.command.slice(0, 157)}…` : h.command;
      lines.push(`    pid ${h.pid}${group}${where}: ${command}`);
    }
    const ours = holders.filter(
      (h) => h.command.includes(root) || (h.cwd !== undefined && (h.cwd === root || h.cwd.startsWith(`${root}/`))),
    );
    // A whole process group only for an earlier demo of ours (its server, web app and simulator
    // each run in their own group); anything else: the process itself, never a guessed group.
    const groups = [...new Set(ours.map((h) => h.pgid).filter((g) => g !== undefined && g > 1))];
    const targets = groups.length ? groups.map((g) => `-${g}`) : holders.map((h) => String(h.pid));
    if (ours.length) {
      lines.push(
        '  That looks like another Baylight demo from this folder: still running, or left over from one not stopped.',
      );
    }
    lines.push('  Stop it with:', `    kill -- ${targets.join(' ')}`);
  }
  lines.push('  or start the demo on other ports:', `    ${otherPorts} npm start`);
  return lines.join('\n');
}
