#!/usr/bin/env node
// `npm start`: the whole demo on the embedded default — server on PORT (4000:
// SQLite, in-process pub/sub), web app on WEB_PORT (3000), three simulated
// locker banks, demo people, and a small story going on at the banks (the
// mailroom takes parcels in, students collect them, the odd fault).
//
// It listens on 127.0.0.1 only: the demo runs in development mode with the dev
// outbox on, and its sign-in codes are printed here. `npm start -- --lan` (or
// BAYLIGHT_DEMO_LAN=1) opens both to the network, e.g. to try a phone as a kiosk.
// `npm start -- --fresh` starts again from an empty demo database.
//
// Everything it starts runs in its own process group and is stopped, and
// waited for, on Ctrl+C, SIGTERM, SIGHUP (the terminal closed), SIGQUIT, when
// the process that started it goes away, or when any one of them dies.
import { existsSync, fstatSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { bin, createSupervisor, root, waitForUrl } from './lib.mjs';
import { describeTakenPort, findListeners, freePortsAfter, probePort } from './ports.mjs';

// --- settings ------------------------------------------------------------------

const portFrom = (name, fallback) => {
  const raw = process.env[name] ?? String(fallback);
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    console.error(`${name}=${raw} is not a port: use a whole number from 1 to 65535 (default ${fallback}).`);
    process.exit(2);
  }
  return n;
};
const SERVER_PORT = portFrom('PORT', 4000);
const WEB_PORT = portFrom('WEB_PORT', 3000);
if (SERVER_PORT === WEB_PORT) {
  console.error(`PORT and WEB_PORT are both ${SERVER_PORT}: the server and the web app need a port each.`);
  process.exit(2);
}
const lan = process.argv.includes('--lan') || process.env.BAYLIGHT_DEMO_LAN === '1';
const fresh = process.argv.includes('--fresh');
/** This machine's first non-internal IPv4 address: what other devices on the network reach. */
const lanAddress = () =>
  Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
const HOST = lan ? '0.0.0.0' : '127.0.0.1';
// Links for browsers: localhost on this machine, the LAN address for other devices.
const publicHost = lan ? (lanAddress() ?? 'localhost') : 'localhost';
// The script's own requests: the address the server surely listens on.
const local = `http://127.0.0.1:${SERVER_PORT}`;
const dataDir = join(root, 'data');
const database = join(dataDir, 'demo.db');
const devices = join(dataDir, 'demo-devices.json');
const secrets = join(dataDir, 'demo-secrets.json');
const faultScript = join(dataDir, 'demo-faults.json');
const signingKeys = join(dataDir, 'demo-pickup-signing-keys.json');
const versionFile = join(dataDir, 'demo-version');
/**
 * Bumped when older demo data would contradict the demo: version 1 ran the
 * simulator's random activity, which left compartments "occupied" with no
 * parcel behind them; those would make the board and the desk disagree.
 */
const DEMO_DATA_VERSION = '2';
const DESK = 'Mailroom, Student Services building, room 014';
/** Ports to suggest when ours are taken: the next free ones, never each other's. */
async function otherPortsHint() {
  const [server] = await freePortsAfter(SERVER_PORT, 1, HOST, [WEB_PORT]);
  const [web] = await freePortsAfter(WEB_PORT, 1, HOST, [SERVER_PORT, server ?? 0]);
  return `PORT=${server ?? SERVER_PORT + 1} WEB_PORT=${web ?? WEB_PORT + 1}`;
}

const env = {
  TURBO_TELEMETRY_DISABLED: '1',
  NEXT_TELEMETRY_DISABLED: '1',
  DATABASE_FILE: database,
  PICKUP_SIGNING_KEY_FILE: signingKeys,
  DEV_OUTBOX: 'true',
  PORT: String(SERVER_PORT),
  HOST,
  MAILROOM_DESK_LOCATION: DESK,
  PUBLIC_WEB_URL: `http://${publicHost}:${WEB_PORT}`,
  WEB_ORIGINS: [`http://localhost:${WEB_PORT}`, `http://127.0.0.1:${WEB_PORT}`]
    .concat(lan && publicHost !== 'localhost' ? [`http://${publicHost}:${WEB_PORT}`] : [])
    .join(','),
};
// The web app's API URL is read by `next start` (web/app/config.js/route.ts), not built in,
// so the demo and the e2e tests share one build of web/.next.
const webEnv = {
  ...env,
  BAYLIGHT_API_URL:
    process.env.BAYLIGHT_API_URL ?? process.env.NEXT_PUBLIC_API_URL ?? `http://${publicHost}:${SERVER_PORT}/graphql`,
};

// --- stopping ------------------------------------------------------------------

const sup = createSupervisor();
// After SIGHUP the terminal is gone: writing to it fails (EIO, EPIPE), which must not
// crash the launcher before it has stopped its children.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
let stopping = null;
let demoUp = false;
/** Stops every process of the demo, waits for them, then exits with `code`. */
function shutdown(code, why) {
  if (stopping) return stopping;
  if (why) console.log(`\n${why}: stopping the demo…`);
  stopping = (async () => {
    // The story first, then a moment for a door it opened to shut (the simulator closes it
    // after 4 s): stopping the lockers with a door open would leave it "open" on the board
    // next time, with a parcel half taken out.
    const story = sup.running().find((p) => p.name === 'story');
    if (story) {
      await sup.stop(story);
      await doorsShut(6_000);
    }
    const left = await sup.stopAll();
    if (left.length) console.error(`Could not stop: ${left.join(', ')} (still running after SIGKILL).`);
    else if (demoUp || why) console.log('The demo has stopped; nothing of it is left running.');
    process.exit(code);
  })();
  return stopping;
}

/** Waits (at most `ms`) until no door of any bank is open, asking the server as the demo admin. */
async function doorsShut(ms) {
  const deadline = Date.now() + ms;
  let token;
  try {
    token = JSON.parse(readFileSync(secrets, 'utf8')).tokens.admin;
  } catch {
    return;
  }
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${local}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: '{ lockerBanks { counts { open } } }' }),
        signal: AbortSignal.timeout(1_000),
      });
      const banks = (await res.json()).data?.lockerBanks ?? [];
      if (banks.every((b) => b.counts.open === 0)) return;
    } catch {
      return; // the server is not answering: nothing to wait for
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
const SIGNALS = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGTERM: 15 };
for (const [signal, number] of Object.entries(SIGNALS)) {
  process.on(signal, () => {
    if (stopping && signal === 'SIGINT') {
      // A second Ctrl+C: no more waiting.
      sup.killAllNow();
      process.exit(128 + number);
    }
    void shutdown(128 + number, signal === 'SIGINT' ? 'Ctrl+C' : `${signal} received`);
  });
}
// Whatever else ends this process (an exception, process.exit elsewhere): take the children along.
process.on('exit', () => sup.killAllNow());
process.on('uncaughtException', (error) => {
  console.error(error);
  void shutdown(1, 'The demo launcher failed');
});
// The process that started us went away without a signal reaching us (npm killed with
// SIGKILL, say). `npm start` runs us through `sh -c`, which stays alive when npm dies, so
// the two nearest ancestors are watched, not just the parent.
/** Parent pid and state of `pid` from /proc, or null when it is gone (a zombie counts as gone). */
const procStat = (pid) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return after[0] === 'Z' ? null : { ppid: Number(after[1]) };
  } catch {
    return null;
  }
};
const ancestors = [];
for (let pid = process.ppid; pid > 1 && ancestors.length < 2; pid = procStat(pid)?.ppid ?? 0) ancestors.push(pid);
if (ancestors.length && existsSync('/proc/self/stat')) {
  setInterval(() => {
    const gone = ancestors.find((pid) => procStat(pid) === null);
    if (gone) void shutdown(129, `The process that started the demo (pid ${gone}) is gone`);
  }, 1_000).unref();
} else if (process.ppid > 1) {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) void shutdown(129, `The process that started the demo (pid ${parent}) is gone`);
  }, 1_000).unref();
}
// Started with a pipe on stdin (a supervisor, `… | npm start`): its end means our parent is gone.
// A terminal is not read (SIGHUP says it closed; reading it from the background would stop us).
try {
  const stdin = fstatSync(0);
  if (stdin.isFIFO() || stdin.isSocket()) {
    process.stdin.on('end', () => void shutdown(0, 'Standard input closed'));
    process.stdin.resume();
  }
} catch {
  /* no stdin at all */
}

// --- ports ---------------------------------------------------------------------

const PORTS = [
  { port: SERVER_PORT, variable: 'PORT', role: 'the API server' },
  { port: WEB_PORT, variable: 'WEB_PORT', role: 'the web app' },
];

/** Exits with a clear message when a port the demo needs is taken. */
async function checkPorts(which = PORTS) {
  const taken = [];
  let otherPorts;
  for (const p of which) {
    const { free } = await probePort(p.port, HOST);
    if (free) continue;
    otherPorts ??= await otherPortsHint();
    taken.push(describeTakenPort({ ...p, holders: findListeners(p.port), root, otherPorts }));
  }
  if (taken.length) {
    console.error(`\n${taken.join('\n\n')}\n`);
    await shutdown(1);
  }
}

/**
 * Waits until `url` answers and the process listening on `port` is ours (`proc`'s group),
 * failing at once if `proc` exits first: an old server answering on the port is never taken for ours.
 */
async function waitForOwn(proc, url, port) {
  let exited = null;
  void proc.exited.then((e) => (exited = e));
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${proc.name} exited (${exited.signal ?? `code ${exited.code}`}) before it answered`);
    try {
      await waitForUrl(url, 500);
      const holders = findListeners(port);
      const ours = holders.length === 0 || holders.every((h) => h.pgid === undefined || h.pgid === proc.pgid);
      if (ours && !exited) return;
      if (!ours) {
        throw new Error(
          `something else answers on port ${port}:\n${describeTakenPort({ port, variable: port === SERVER_PORT ? 'PORT' : 'WEB_PORT', role: proc.name, holders, root, otherPorts: await otherPortsHint() })}`,
        );
      }
    } catch (error) {
      if (!(error instanceof Error) || !/did not answer/.test(error.message)) throw error;
    }
  }
  throw new Error(`${proc.name} did not answer ${url} within 90 s`);
}

// --- start ---------------------------------------------------------------------

if (lan) {
  console.warn(
    [
      '',
      '  WARNING: --lan opens the demo to your network. It runs in development mode with the',
      '  dev outbox on and well-known demo accounts: anyone who can reach this machine can',
      '  sign in as them (sign-in codes are printed here). Use it only on a network you trust.',
      '',
    ].join('\n'),
  );
}

await checkPorts();

mkdirSync(dataDir, { recursive: true });
const madeBy = existsSync(versionFile) ? readFileSync(versionFile, 'utf8').trim() : null;
if (existsSync(database) && (fresh || madeBy !== DEMO_DATA_VERSION)) {
  console.log(
    fresh
      ? `Starting from a fresh demo database (--fresh): removing ${database}.`
      : `The demo database ${database} was made by an older demo (random locker activity with no parcels behind it): starting a fresh one.`,
  );
  for (const f of [database, `${database}-wal`, `${database}-shm`, devices, secrets, signingKeys])
    rmSync(f, { force: true });
}

console.log('Baylight demo: generating types and building the web app (cached after the first run)…');
if (
  (await sup.step('build', bin('turbo'), ['run', 'build', '--filter=@baylight/web', '--output-logs=errors-only'], {
    env,
  })) !== 0
) {
  console.error('The web app did not build; see the errors above.');
  await shutdown(1);
}
const seeded = await sup.step(
  'seed',
  bin('tsx'),
  ['src/cli/seed-demo.ts', '--devices-out', devices, '--secrets-out', secrets, '--story-people'],
  { cwd: join(root, 'server'), env },
);
if (seeded !== 0) await shutdown(1);
writeFileSync(versionFile, `${DEMO_DATA_VERSION}\n`);

// The odd fault at the banks, then fixed; rarely a forced door. On the XL compartments
// (C03 and B06 of 24), which the story's parcels never need, so no parcel is caught in them.
// Banks by index in the devices file: 0 Library, 1 Student Union, 2 Engineering.
writeFileSync(
  faultScript,
  JSON.stringify(
    {
      loop: true,
      steps: [
        { afterMs: 4 * 60_000, bank: 1, label: 'C03', action: 'fault', detail: 'E17 lock sensor not responding' },
        { afterMs: 75_000, bank: 1, label: 'C03', action: 'clear-fault' },
        { afterMs: 6 * 60_000, bank: 0, label: 'B06', action: 'fault', detail: 'door sensor reads open while shut' },
        { afterMs: 60_000, bank: 0, label: 'B06', action: 'clear-fault' },
        { afterMs: 9 * 60_000, bank: 2, label: 'C03', action: 'tamper', detail: 'door forced' },
      ],
    },
    null,
    2,
  ),
);

// A dead service stops the whole demo: half a demo only confuses.
const watch = (proc) =>
  void proc.exited.then(({ code, signal }) => {
    if (!stopping) void shutdown(1, `${proc.name} exited (${signal ?? `code ${code}`})`);
  });

try {
  await checkPorts([PORTS[0]]);
  const server = sup.start('server', bin('tsx'), ['src/main.ts'], {
    cwd: join(root, 'server'),
    // Development on purpose (the dev outbox is refused in production), whatever the shell says.
    env: { ...env, NODE_ENV: 'development', LOG_PRETTY: 'true' },
  });
  watch(server);
  await waitForOwn(server, `${local}/healthz`, SERVER_PORT);

  await checkPorts([PORTS[1]]);
  const web = sup.start('web', bin('next'), ['start', '-p', String(WEB_PORT), '-H', HOST], {
    cwd: join(root, 'web'),
    env: webEnv,
  });
  watch(web);
  await waitForOwn(web, `http://127.0.0.1:${WEB_PORT}/offline`, WEB_PORT);

  // The simulator only carries out what the server asks (doors opened for deposits and
  // pickups, the parcel put in or taken out) plus the fault script: no random activity,
  // which would fill and empty compartments with no parcel behind them.
  const lockers = sup.start(
    'lockers',
    bin('tsx'),
    ['src/cli.ts', '--devices', devices, '--rate', '0', '--script', faultScript, '--close-after', '4000'],
    { cwd: join(root, 'simulator'), env: { ...env, SERVER_URL: `ws://127.0.0.1:${SERVER_PORT}/graphql` } },
  );
  watch(lockers);

  // The people at the banks: the mailroom, students collecting, staff checking alerts.
  const story = sup.start(
    'story',
    bin('tsx'),
    ['src/cli/demo-story.ts', '--secrets', secrets, '--url', `${local}/graphql`],
    {
      cwd: join(root, 'server'),
      env,
    },
  );
  watch(story);
} catch (error) {
  console.error(`\n${error instanceof Error ? error.message : String(error)}`);
  await shutdown(1);
}

const demo = JSON.parse(readFileSync(secrets, 'utf8'));
demoUp = true;
console.log(`
  Baylight is running.

    Web app        http://${publicHost}:${WEB_PORT}          (WEB_PORT)
    GraphQL API    http://${publicHost}:${SERVER_PORT}/graphql   (PORT; WebSocket on the same URL)
    Database       ${database}
    Listening on   ${lan ? 'your network (--lan)' : '127.0.0.1 only (npm start -- --lan to open it)'}

  Sign in with any of these; the one-time code is printed in this terminal,
  in the server's "dev outbox: Your Baylight sign-in code: 123456" line:
    admin@demo.baylight.dev      ADMIN
    it@demo.baylight.dev         IT
    mailroom@demo.baylight.dev   MAILROOM
    courier@demo.baylight.dev    COURIER (drop-off at Library and Student Union)
    student@demo.baylight.dev    STUDENT (has parcels waiting)
    analyst@demo.baylight.dev    DEPARTMENT (Engineering)

  At the three simulated banks, life goes on ([story] lines): the mailroom takes
  a parcel in every half minute or so for a few demo students, who come and
  collect them at the kiosk or from the app; now and then a lock reports a
  fault that is fixed a minute later, and rarely a door is forced. The banks
  are never filled: there is always room for yours. The mailroom desk is at
  "${DESK}".

  Ctrl+C stops everything (so does closing this terminal).

  Kiosks (the lockers' touchscreens): open the link, paste the token once.
${demo.kiosks.map((k) => `    ${k.name.padEnd(22)} http://${publicHost}:${WEB_PORT}/kiosk/${k.bankId}\n    ${''.padEnd(22)} ${k.token}`).join('\n')}
`);
