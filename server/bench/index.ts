/**
 * `npm run bench`: Baylight's hot paths against their baselines, side by side
 * in one run on this machine, printed as one table (ours, baseline, ratio,
 * goal; issue 8).
 *
 * - query: the board (`lockerBanks { id name compartments { label door
 *   occupancy state } }`, 3 banks × 24 compartments) on the real server
 *   against a bare Apollo Server hello-world. Goal ≥ 0.5×.
 * - intake: `intakeParcel` through the real server (a controller connected
 *   per bank, so every intake reserves a compartment and sends its door
 *   command) against a raw better-sqlite3 transaction inserting a parcel row
 *   and its audit row behind a bare node:http server. Goal ≥ 0.3×.
 * - fanout: server/bench/fanout.ts when it exists (another part of issue 8),
 *   run as a child process. A line it prints as
 *   `BENCH_ROW {"name","ours","baseline","unit","goal"}` (goal: the least
 *   ratio that passes) becomes a row of the table; the rest of its output is
 *   shown as it comes.
 *
 * Servers run on core 0 and this process (the load, autocannon) on core 1
 * (taskset, when there are two cores and taskset exists). Each side gets a
 * warm-up that is not counted, then `--duration` seconds of load.
 *
 *   npm run bench -- [--only query,intake,fanout] [--duration 10] [--connections 16] [--profile DIR]
 *                    [--engine sqlite|postgres|both]   (the query and intake rows; PostgreSQL in a throwaway cluster)
 *                    [--mode production|development]   (NODE_ENV of every server; production by default)
 *
 * `--profile DIR` takes a CPU profile of the Baylight server during each
 * measured window (not its start-up or warm-up) into DIR/query-<engine>.cpuprofile
 * and DIR/intake-<engine>.cpuprofile; `npm run bench:profile -w server -- FILE`
 * summarises one. Without it, a row whose goal is not met gets a further
 * profiled window of 5 s after its measured one (the figures carry no
 * profiler), and the table prints under the row where the server's CPU went.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { startTestPostgres } from '../test/helpers/postgres.js';
import { summarise } from './profile.js';

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    only: { type: 'string', default: 'query,intake,fanout' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '16' },
    profile: { type: 'string' },
    mode: { type: 'string', default: 'production' },
    engine: { type: 'string', default: 'sqlite' },
  },
});
const only = new Set(args.only.split(',').map((s) => s.trim()));
const duration = Number(args.duration);
const warmup = Number(args.warmup);
const connections = Number(args.connections);
const mode = args.mode === 'development' ? 'development' : 'production';
const engines = (args.engine === 'both' ? ['sqlite', 'postgres'] : [args.engine]) as ('sqlite' | 'postgres')[];
if (engines.some((e) => e !== 'sqlite' && e !== 'postgres')) throw new Error('--engine sqlite|postgres|both');

// ---- cores -------------------------------------------------------------------------------------
const hasTaskset = spawnSync('taskset', ['-V']).status === 0;
const pinned = hasTaskset && availableParallelism() >= 2;
if (pinned) spawnSync('taskset', ['-pc', '1', String(process.pid)], { stdio: 'ignore' });

interface Target<T> {
  info: T;
  /** Sends a line to the target and waits for its `done <line>` answer. */
  ask(line: string): Promise<void>;
  child: ChildProcess;
  /** CPU seconds (user + system) the target has used so far (Linux /proc), or null. */
  cpu(): number | null;
  stop(): Promise<void>;
}

/** Starts a target script (TypeScript, through tsx) on core 0 and waits for its JSON line. */
function startTarget<T>(script: string, extraNodeArgs: string[] = [], scriptArgs: string[] = []): Promise<Target<T>> {
  const nodeArgs = [...extraNodeArgs, '--import', 'tsx', join(here, script), ...scriptArgs];
  // Every server in the same NODE_ENV (graphql-js and Express read it); through env(1), so the
  // rest of this process's environment passes on untouched.
  const command = [`NODE_ENV=${mode}`, ...(pinned ? ['taskset', '-c', '0'] : []), process.execPath, ...nodeArgs];
  const child = spawn('env', command, { stdio: ['pipe', 'pipe', 'inherit'], cwd: resolve(here, '..') });
  return new Promise((resolveTarget, reject) => {
    const lines = createInterface({ input: child.stdout });
    child.once('exit', (code) => reject(new Error(`${script} exited (${code}) before it was ready`)));
    lines.once('line', (line) => {
      const info = JSON.parse(line) as T;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      const waiting = new Map<string, () => void>();
      lines.on('line', (answer) => {
        if (answer.startsWith('done ')) waiting.get(answer.slice(5))?.();
      });
      resolveTarget({
        info,
        ask: (line) =>
          new Promise<void>((r) => {
            waiting.set(line, r);
            child.stdin.write(`${line}\n`);
          }),
        child,
        cpu: () => cpuSeconds(child.pid!),
        stop: () => {
          child.stdin.end('stop\n');
          return exited;
        },
      });
    });
  });
}

function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks (USER_HZ 100)
  } catch {
    return null;
  }
}

// ---- load ---------------------------------------------------------------------------------------
interface Measured {
  perSecond: number;
  p50: number;
  p99: number;
  requests: number;
  failures: number;
  /** Server CPU milliseconds per request, when /proc tells. */
  cpuMsPerRequest: number | null;
  /** Answers by __typename (intake), when counted. */
  kinds?: Record<string, number>;
}

type Options = autocannon.Options;

async function load(
  target: Target<unknown>,
  opts: Options,
  kinds?: Record<string, number>,
  profileAs?: string,
  window: { seconds: number; warm: boolean } = { seconds: duration, warm: true },
): Promise<Measured> {
  if (window.warm) await autocannon({ ...opts, duration: warmup, connections });
  if (kinds) for (const k of Object.keys(kinds)) delete kinds[k];
  if (profileAs) await target.ask('profile start');
  const cpu0 = target.cpu();
  const result = await autocannon({ ...opts, duration: window.seconds, connections });
  const cpu1 = target.cpu();
  if (profileAs) {
    await target.ask(`profile stop ${profileAs}`);
    if (window.warm) console.log(`profile of the measured window: ${profileAs}`);
  }
  const requests = result.requests.total;
  return {
    perSecond: requests / (result.duration || duration),
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests,
    failures: result.errors + result.timeouts + result.non2xx,
    cpuMsPerRequest: cpu0 !== null && cpu1 !== null && requests ? ((cpu1 - cpu0) * 1000) / requests : null,
    ...(kinds ? { kinds: { ...kinds } } : {}),
  };
}

const post = (url: string, body: unknown, token?: string): Options => ({
  url,
  method: 'POST',
  headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  body: JSON.stringify(body),
});

async function gql<T>(url: string, token: string, query: string, variables: Record<string, unknown> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: T; errors?: unknown[] };
}

// ---- the table ----------------------------------------------------------------------------------
interface Row {
  name: string;
  ours: Measured | number;
  baseline: Measured | number;
  unit: string;
  goal: number;
  note?: string;
  /** For a goal not met: where ours spent its CPU, from a profile (explain). */
  why?: string[];
}
const rows: Row[] = [];
const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1));
const value = (m: Measured | number) => (typeof m === 'number' ? m : m.perSecond);
const latency = (m: Measured | number) =>
  typeof m === 'number' ? '' : `p50 ${m.p50.toFixed(1)} / p99 ${m.p99.toFixed(1)} ms`;
const cpuNote = (m: Measured | number) =>
  typeof m === 'number' || m.cpuMsPerRequest === null ? '' : `${m.cpuMsPerRequest.toFixed(3)} ms CPU/req`;

function cpuRatio(r: Row): string {
  const ours = typeof r.ours === 'number' ? null : r.ours.cpuMsPerRequest;
  const base = typeof r.baseline === 'number' ? null : r.baseline.cpuMsPerRequest;
  return ours && base ? `${(base / ours).toFixed(3)}×` : '';
}

function printTable() {
  // The CPU ratio (baseline's server CPU per request over ours) moves less than req/s when other
  // work on the machine takes the server's core away; the goal is judged on req/s.
  const header = ['bench', 'ours', 'baseline', 'ratio', 'goal', 'met', 'CPU ratio'];
  const body = rows.map((r) => {
    const ratio = value(r.ours) / value(r.baseline);
    return [
      r.name,
      `${fmt(value(r.ours))} ${r.unit}`,
      `${fmt(value(r.baseline))} ${r.unit}`,
      `${ratio.toFixed(3)}×`,
      `≥ ${r.goal}×`,
      ratio >= r.goal ? 'yes' : 'NO',
      cpuRatio(r),
    ];
  });
  const detail = rows.flatMap((r) => [
    ['', latency(r.ours), latency(r.baseline), '', '', '', ''],
    ['', cpuNote(r.ours), cpuNote(r.baseline), '', '', '', ''],
  ]);
  const all = [header, ...body, ...detail];
  const widths = header.map((_, i) => Math.max(...all.map((l) => l[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log('');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  rows.forEach((r, i) => {
    console.log(line(body[i]!));
    const ours = r.ours;
    const base = r.baseline;
    if (latency(ours) || latency(base)) console.log(line(['', latency(ours), latency(base), '', '', '', '']));
    if (cpuNote(ours) || cpuNote(base)) console.log(line(['', cpuNote(ours), cpuNote(base), '', '', '', '']));
    if (r.note) console.log(`  ${r.note}`);
    for (const w of r.why ?? []) console.log(`  ${w}`);
  });
}

const EXPLAIN_SECONDS = 5;
const share = (us: number, busy: number) => `${((us / busy) * 100).toFixed(0)} %`;

/**
 * Why a goal is not met: the profile of ours under the same load (the measured window's, when
 * --profile took one; else a further EXPLAIN_SECONDS window, profiled, so the measured figures
 * carry no profiler), summarised as where the server's CPU went.
 */
async function explain(
  target: Target<unknown>,
  opts: Options,
  measured: string | undefined,
  name: string,
  kinds?: Record<string, number>,
): Promise<string[]> {
  let file = measured;
  if (!file) {
    file = join(mkdtempSync(join(tmpdir(), 'baylight-bench-why-')), `${name}.cpuprofile`);
    await load(target, opts, kinds, file, { seconds: EXPLAIN_SECONDS, warm: false });
  }
  const s = summarise(file);
  const top = (list: [string, number][], n: number) =>
    list
      .slice(0, n)
      .map(([what, us]) => `${what} ${share(us, s.busyUs)}`)
      .join(', ');
  return [
    `goal not met; ours under this load spent its CPU in (self time by package): ${top(s.packages, 7)}`,
    `  Baylight's own on the stack: ${top(s.ownInclusive, 5)}`,
    `  the busiest functions: ${top(s.functions, 5)}`,
    `  (the whole profile: npm run bench:profile -w server -- ${file})`,
  ];
}

const unmet = (ours: Measured, baseline: Measured, goal: number) => ours.perSecond / baseline.perSecond < goal;

// ---- the runs -----------------------------------------------------------------------------------
interface BaylightInfo {
  url: string;
  wsUrl: string;
  adminToken: string;
  mailroomToken: string;
  recipientId: string;
  deviceTokens: string[];
}

console.log(
  `baylight bench: ${duration} s per side after ${warmup} s warm-up, ${connections} connections; ` +
    (pinned ? 'servers on core 0, load on core 1' : 'not pinned (taskset or a second core missing)') +
    `; NODE_ENV=${mode}` +
    `; loadavg ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
);

const BOARD = `query { lockerBanks { id name compartments { label door occupancy state } } }`;
const INTAKE = `mutation ($i: IntakeParcelInput!) { intakeParcel(input: $i) { __typename
  ... on ParcelReserved { parcel { id status } compartment { label } command { id } }
  ... on ParcelSentToDesk { parcel { id } reason } } }`;

/** One connected controller per device token, each receiving its door commands (so its bank is ONLINE). */
function controllersFor(wsUrl: string, deviceTokens: string[]): Promise<Client[]> {
  return Promise.all(
    deviceTokens.map(
      (deviceToken) =>
        new Promise<Client>((resolveClient, reject) => {
          const client = createClient({
            url: wsUrl,
            webSocketImpl: WebSocket,
            connectionParams: { deviceToken },
            lazy: false,
            retryAttempts: 0,
            onNonLazyError: reject,
            on: { connected: () => resolveClient(client) },
          });
          client.subscribe(
            { query: 'subscription { lockerCommands { id } }' },
            {
              next: () => {},
              error: () => {},
              complete: () => {},
            },
          );
        }),
    ),
  );
}

/** The board and intake rows on one engine; the baselines run again beside each, in the same run. */
async function queryAndIntake(engine: 'sqlite' | 'postgres') {
  const suffix = engine === 'postgres' ? ' (PostgreSQL)' : '';
  const profileDir = args.profile ? resolve(args.profile) : null;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const profileAs = (name: string) => (profileDir ? join(profileDir, `${name}-${engine}.cpuprofile`) : undefined);
  // PostgreSQL: a throwaway cluster on this machine (the tests' helper), fsync off like the tests'.
  const cluster = engine === 'postgres' ? await startTestPostgres() : null;
  const ours = await startTarget<BaylightInfo>('targets/baylight.ts', [], [mode, ...(cluster ? [cluster.url] : [])]);
  const { url, adminToken, mailroomToken, recipientId } = ours.info;

  if (only.has('query')) {
    const check = await gql<{ lockerBanks: { compartments: unknown[] }[] }>(url, adminToken, BOARD);
    const banks = check.data?.lockerBanks ?? [];
    if (check.errors || banks.length !== 3 || banks.some((b) => b.compartments.length !== 24)) {
      throw new Error(`the board query did not answer 3 banks × 24 compartments: ${JSON.stringify(check)}`);
    }
    const hello = await startTarget<{ url: string }>('targets/hello.ts');
    const helloCheck = (await (
      await fetch(hello.info.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ hello }' }),
      })
    ).json()) as { data?: { hello?: string } };
    if (helloCheck.data?.hello !== 'world') throw new Error('the hello-world baseline did not answer');
    const base = await load(hello, post(hello.info.url, { query: '{ hello }' }));
    await hello.stop();

    // 1. The board as deployed: answered from its last execution until a bank or compartment changes
    // (graphql/board-cache.ts); nothing changes during this row.
    const boardOpts = post(url, { query: BOARD }, adminToken);
    const board = await load(ours, boardOpts, undefined, profileAs('query'));
    rows.push({
      name: `board query${suffix}`,
      ours: board,
      baseline: base,
      unit: 'req/s',
      goal: 0.5,
      ...(unmet(board, base, 0.5) && { why: await explain(ours, boardOpts, profileAs('query'), `query-${engine}`) }),
    });

    // 2. The same while a controller reports a door opening or closing every 50 ms (20 changes a
    // second, each dropping the cache): its reports run on the server's core too.
    const [churner] = await controllersFor(ours.info.wsUrl, ours.info.deviceTokens.slice(0, 1));
    let seq = 0;
    const churn = setInterval(() => {
      seq++;
      churner!.subscribe(
        {
          query: `mutation ($e: [LockerEventInput!]!) { reportLockerEvents(events: $e) { acceptedThroughSeq } }`,
          variables: {
            e: [{ seq, label: 'A01', kind: seq % 2 ? 'DOOR_OPENED' : 'DOOR_CLOSED', at: new Date().toISOString() }],
          },
        },
        { next: () => {}, error: () => {}, complete: () => {} },
      );
    }, 50);
    const churned = await load(ours, boardOpts);
    const churnedWhy = unmet(churned, base, 0.5)
      ? await explain(ours, boardOpts, undefined, `query-churned-${engine}`)
      : undefined;
    clearInterval(churn);
    await churner!.dispose();
    rows.push({
      name: `board query, a door changing 20×/s${suffix}`,
      ours: churned,
      baseline: base,
      unit: 'req/s',
      goal: 0.5,
      note: `${seq} door events reported during the row`,
      ...(churnedWhy && { why: churnedWhy }),
    });

    // 3. Every request executed (BOARD_CACHE_MAX_AGE_MS=0): what a board the cache cannot answer costs.
    const uncachedServer = await startTarget<BaylightInfo>(
      'targets/baylight.ts',
      [],
      [mode, cluster ? await cluster.createDatabase() : '-', '0'],
    );
    const uncachedOpts = post(uncachedServer.info.url, { query: BOARD }, uncachedServer.info.adminToken);
    const uncached = await load(uncachedServer, uncachedOpts, undefined, profileAs('query-uncached'));
    const uncachedWhy = unmet(uncached, base, 0.5)
      ? await explain(uncachedServer, uncachedOpts, profileAs('query-uncached'), `query-uncached-${engine}`)
      : undefined;
    await uncachedServer.stop();
    rows.push({
      name: `board query, uncached${suffix}`,
      ours: uncached,
      baseline: base,
      unit: 'req/s',
      goal: 0.5,
      ...(uncachedWhy && { why: uncachedWhy }),
    });
  }

  if (only.has('intake')) {
    // One controller per bank, receiving its door commands, so the banks are ONLINE and intake reserves.
    const controllers = await controllersFor(ours.info.wsUrl, ours.info.deviceTokens);
    await new Promise((r) => setTimeout(r, 300));
    let n = 0;
    const run = `${Date.now().toString(36)}`;
    const kinds: Record<string, number> = {};
    const intakeOpts = (target: string, token?: string): Options => ({
      ...post(target, {}, token),
      requests: [
        {
          method: 'POST',
          setupRequest: (req) => ({
            ...req,
            body: JSON.stringify({
              query: INTAKE,
              variables: { i: { tracking: `BENCH${run}X${++n}`, recipientId, size: 'S' } },
            }),
          }),
          onResponse: (status, body) => {
            let kind = `HTTP ${status}`;
            try {
              const answer = JSON.parse(body) as {
                data?: { intakeParcel?: { __typename?: string } };
                errors?: unknown[];
              };
              kind = answer.data?.intakeParcel?.__typename ?? (answer.errors ? 'errors' : kind);
            } catch {
              // counted under its HTTP status
            }
            kinds[kind] = (kinds[kind] ?? 0) + 1;
          },
        },
      ],
    });
    // The baseline first, so that a goal not met can be explained while ours still runs.
    const raw = await startTarget<{ url: string }>('targets/raw-intake.ts');
    const rawHttp = await load(raw, intakeOpts(raw.info.url));
    await raw.stop();
    await ours.ask('free on');
    const oursOpts = intakeOpts(url, mailroomToken);
    const intake = await load(ours, oursOpts, kinds, profileAs('intake'));
    const oursKinds = intake.kinds ?? {};
    const intakeWhy = unmet(intake, rawHttp, 0.3)
      ? await explain(ours, oursOpts, profileAs('intake'), `intake-${engine}`)
      : undefined;
    await ours.ask('free off');
    for (const c of controllers) await c.dispose();
    const loop = spawnSync(
      pinned ? 'taskset' : process.execPath,
      [
        ...(pinned ? ['-c', '0', process.execPath] : []),
        '--import',
        'tsx',
        join(here, 'targets/raw-intake.ts'),
        'loop',
        '5',
      ],
      { cwd: resolve(here, '..'), encoding: 'utf8' },
    );
    const loopResult = JSON.parse(loop.stdout.trim().split('\n').at(-1) ?? '{}') as { perSecond?: number };
    const reserved = oursKinds.ParcelReserved ?? 0;
    const total = Object.values(oursKinds).reduce((a, b) => a + b, 0);
    rows.push({
      name: `intakeParcel${suffix}`,
      ours: intake,
      baseline: rawHttp,
      unit: 'req/s',
      goal: 0.3,
      note:
        `ours answered ${Object.entries(oursKinds)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')} (${total ? ((reserved / total) * 100).toFixed(1) : 0} % reserved); ` +
        `the raw transaction alone, in process: ${fmt(loopResult.perSecond ?? 0)} tx/s`,
      ...(intakeWhy && { why: intakeWhy }),
    });
  }
  await ours.stop();
  await cluster?.stop();
}

if (only.has('query') || only.has('intake')) {
  for (const engine of engines) await queryAndIntake(engine);
}

if (only.has('fanout')) {
  const script = join(here, 'fanout.ts');
  if (!existsSync(script)) {
    console.log('fanout: server/bench/fanout.ts is not there yet; skipped');
  } else {
    // Both cores again (this process sits on core 1): fan-out pins its own servers and clients.
    const fanoutCommand = [
      `NODE_ENV=${mode}`,
      ...(pinned ? ['taskset', '-c', '0,1'] : []),
      process.execPath,
      '--import',
      'tsx',
      script,
    ];
    const child = spawn('env', fanoutCommand, {
      cwd: resolve(here, '..'),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    for await (const line of createInterface({ input: child.stdout })) {
      if (line.startsWith('BENCH_ROW ')) {
        const row = JSON.parse(line.slice('BENCH_ROW '.length)) as Row;
        rows.push(row);
      } else {
        console.log(`fanout: ${line}`);
      }
    }
  }
}

printTable();
console.log(
  `\nloadavg at the end: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
process.exit(0);
