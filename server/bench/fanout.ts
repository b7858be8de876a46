/**
 * Fan-out benchmark: one event delivered to N graphql-ws subscribers, Baylight
 * against a bare `ws` server sending the same bytes (bench/fanout/), in one
 * run, the server pinned to CPU 0 and the clients (this process) to CPU 1.
 *
 *   cd server && npx tsx bench/fanout.ts [--sizes=1000,5000] [--controllers=1000] [--only=bare,baylight,cluster] [--profile]
 *
 * `cluster`: the same figures across three Baylight instances on one Redis
 * (a throwaway redis-server) and one SQLite file, all three on CPU 0:
 * subscribers and controllers spread over them in turn, every event published
 * on the first, so two thirds of the messages cross Redis. Its RSS row is the
 * largest instance's.
 *
 * Per size N it prints:
 * - messages/s: events published back to back with at most `window` events in
 *   flight (the next goes when every subscriber has the oldest), so buffers stay
 *   bounded and the figure is what the server sustains;
 * - p99 latency at half of the bare server's capacity (events paced by the
 *   server itself; latency counts from when the event was due, so a server that
 *   falls behind shows it);
 * - lost and reordered messages (each subscriber must see every event, in order);
 * - CPU use of both cores during the throughput run (a client core near 100 %
 *   means the clients, not the server, set the figure).
 * Then server RSS with `controllers` simulated controllers (handshake and
 * lockerCommands, devices/PROTOCOL.md) and the largest N subscribers connected.
 * Events are a compartment's state published the way the locker service does:
 * delivery is measured, not the database write (the intake benchmark has that).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { nowEpoch, SUBSCRIPTION, type FromServer, type ToServer } from './fanout/control.js';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string) =>
  args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const here = fileURLToPath(import.meta.url);

interface Sub {
  ws: WebSocket;
  last: number;
  got: number;
  reordered: number;
  /** Close code, once the server closed it (e.g. 1013 slow consumer). */
  closed?: number;
}

async function main() {
  const sizes = opt('sizes', '1000,5000').split(',').map(Number);
  const controllers = Number(opt('controllers', '1000'));
  const window = opt('window', '');
  const only = opt('only', 'bare,baylight,cluster').split(',');
  const profile = args.includes('--profile');
  const maxN = Math.max(...sizes);
  const bareCapacity = new Map<number, number>(
    opt('bare-capacity', '')
      .split(',')
      .filter(Boolean)
      .map((kv) => kv.split(':').map(Number) as [number, number]),
  );
  const rows: string[] = [];
  const bareP99 = new Map<number, number>();
  const bareRate = new Map<number, number>();
  const bareCpu = new Map<number, number>();
  console.log(`fan-out benchmark · loadavg at start: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);

  for (const kind of ['bare', 'baylight', 'cluster'] as const) {
    if (!only.includes(kind)) continue;
    const server =
      kind === 'cluster' ? await startCluster(maxN, controllers) : await startChild(kind, maxN, controllers, profile);
    const load0 = loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
    const subs: Sub[] = [];
    const devices: WebSocket[] = [];
    let seq = 1_000;

    // Controllers first, as on a campus: they are there before the phones.
    for (let i = 0; i < controllers; i += 100) {
      await Promise.all(
        Array.from({ length: Math.min(100, controllers - i) }, (_, j) =>
          connectController(
            server.urls[(i + j) % server.urls.length]!,
            server.ready,
            server.ready.deviceTokens[i + j] ?? 'bare',
          ).then((w) => devices.push(w)),
        ),
      );
    }

    for (const n of sizes) {
      // Sockets the server cut in an earlier phase (slow consumers) are replaced.
      for (let i = subs.length - 1; i >= 0; i--) if (subs[i]!.closed !== undefined) subs.splice(i, 1);
      while (subs.length < n) {
        const batch = Math.min(200, n - subs.length);
        const start = subs.length;
        const made = await Promise.all(
          Array.from({ length: batch }, (_, j) =>
            connectSubscriber(server.urls[(start + j) % server.urls.length]!, server.ready, start + j),
          ),
        );
        subs.push(...made);
      }
      const active = subs.slice(0, n);
      seq = await warmUp(server, active, seq);

      // Throughput: closed loop with `windowEvents` events in flight.
      const events = Math.max(40, Math.round(300_000 / n));
      const cpu0 = { client: process.cpuUsage(), server: serverTicks(server.all) };
      // Enough in flight that neither side waits on the round trip; a few KB per socket at most.
      const inFlight = window ? Number(window) : Math.max(8, Math.ceil(40_000 / n));
      const tp = await throughput(server, active, seq, events, inFlight);
      const wall = tp.seconds;
      const clientCpu = cpuShare(process.cpuUsage(cpu0.client), wall);
      const serverCpu = (serverTicks(server.all) - cpu0.server) / 100 / wall;
      seq += events + 10;
      const rate = Math.round(tp.messages / tp.seconds);
      // Server CPU time per message: what the figure would be on a core of its own (the machine is shared).
      const cpuPerMessage = (serverCpu * wall * 1e6) / Math.max(1, tp.messages);
      if (kind === 'bare') bareCpu.set(n, cpuPerMessage);
      if (kind === 'bare') bareRate.set(n, rate);

      // Latency at half of bare's capacity (bare's from this run, or --bare-capacity=N:msgs,… when bare is skipped).
      const capacity = bareRate.get(n) ?? bareCapacity.get(n) ?? rate;
      const eventsPerSecond = capacity / 2 / n;
      const pacedCount = Math.max(30, Math.round(eventsPerSecond * 6));
      const lat = await paced(server, active, seq, pacedCount, eventsPerSecond);
      seq += pacedCount + 10;
      if (kind === 'bare') bareP99.set(n, lat.p99);

      const cut = active.filter((s) => s.closed !== undefined).length;
      const ratio = (x: number, base: number | undefined) => (base ? `${(x / base).toFixed(2)}×` : '—');
      rows.push(
        `| ${n} | ${kind} | ${rate.toLocaleString('en')} | ${kind === 'bare' ? '1.00×' : ratio(rate, bareRate.get(n) ?? bareCapacity.get(n))} | ` +
          `${eventsPerSecond.toFixed(1)} ev/s (${Math.round(eventsPerSecond * n).toLocaleString('en')} msg/s) | ` +
          `${lat.p50.toFixed(1)} / ${lat.p99.toFixed(1)} / ${lat.max.toFixed(1)} | ${kind === 'bare' ? '1.00×' : ratio(lat.p99, bareP99.get(n))} | ` +
          `${tp.lost + lat.lost} | ${tp.reordered + lat.reordered} | ${cut} | ${Math.round(serverCpu * 100)} % | ` +
          `${cpuPerMessage.toFixed(1)} µs (${Math.round(1e6 / cpuPerMessage).toLocaleString('en')}/s, ${kind === 'bare' ? '1.00×' : ratio(bareCpu.get(n) ?? 0, cpuPerMessage)}) | ${Math.round(clientCpu * 100)} % | ${load0} |`,
      );
      console.log(rows.at(-1));
      const bareRateN = bareRate.get(n) ?? bareCapacity.get(n);
      const bareP99N = bareP99.get(n);
      if (kind !== 'bare' && bareRateN) {
        // Rows for `npm run bench`'s table (bench/index.ts): ratio = ours / baseline, judged ≥ goal.
        const label = kind === 'cluster' ? ' (3 instances, Redis)' : '';
        benchRow({
          name: `fan-out ${n} subscribers${label}`,
          ours: rate,
          baseline: bareRateN,
          unit: 'msg/s',
          goal: 0.9,
        });
        if (bareP99N)
          // p99 at ½ bare's capacity, as a rate (1 / p99) so that higher is better: ≤ 1.2× bare's p99.
          benchRow({
            name: `fan-out ${n} p99 at ½ bare (as 1/p99)${label}`,
            ours: 1000 / lat.p99,
            baseline: 1000 / bareP99N,
            unit: '1/s',
            goal: Number((1 / 1.2).toFixed(3)),
          });
      }
    }
    const rssAll = await server.rss();
    const rssConnected = rssAll.reduce((a, b) => (b.rss > a.rss ? b : a));
    rows.push(
      `RSS ${kind}: ${Math.round(rssConnected.rss / 1e6)} MB (heap ${Math.round(rssConnected.heapUsed / 1e6)} MB) ` +
        (rssAll.length > 1 ? `the largest of ${rssAll.map((r) => Math.round(r.rss / 1e6)).join(' / ')} MB, ` : '') +
        `with ${devices.length} controllers and ${subs.length} subscribers connected, after the runs`,
    );
    console.log(rows.at(-1));
    for (const s of subs) s.ws.terminate();
    for (const d of devices) d.terminate();
    await server.stop();
  }

  console.log(
    `\nFan-out, one event to N subscribers (server on CPU 0, clients on CPU 1), ${new Date().toISOString()}\n` +
      `| N | server | msgs/s | vs bare | paced at ½ bare | latency p50 / p99 / max ms | p99 vs bare | lost | reordered | cut | server CPU | server CPU per msg (msgs/s per core, vs bare) | client CPU | loadavg |\n` +
      `|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n` +
      rows.filter((r) => r.startsWith('|')).join('\n') +
      '\n' +
      rows.filter((r) => !r.startsWith('|')).join('\n') +
      `\nGoals: ≥ 0.90× bare msgs/s, p99 ≤ 1.2× bare's, none lost or reordered, RSS ≤ 250 MB.` +
      `\nloadavg at end: ${readFileSync('/proc/loadavg', 'utf8').trim()}`,
  );
  process.exit(0);
}

function benchRow(row: { name: string; ours: number; baseline: number; unit: string; goal: number }) {
  console.log(`BENCH_ROW ${JSON.stringify(row)}`);
}

type Ready = Extract<FromServer, { type: 'ready' }>;
interface Child {
  /** The instance events are published on. */
  child: ChildProcess;
  /** Every server process (one, or the cluster's three). */
  all: ChildProcess[];
  /** Where clients connect, in turn. */
  urls: string[];
  ready: Ready;
  ask<T>(m: ToServer, answer: FromServer['type']): Promise<T>;
  rss(): Promise<{ rss: number; heapUsed: number }[]>;
  stop(): Promise<void>;
}

const children: ChildProcess[] = [];

async function startChild(
  kind: 'bare' | 'baylight',
  maxN: number,
  controllers: number,
  profile: boolean,
  clusterArgs: string[] = [],
): Promise<Child> {
  const script = fileURLToPath(new URL(`./fanout/${kind}-server.ts`, import.meta.url));
  const node = [...(profile ? ['--cpu-prof', `--cpu-prof-dir=bench-profiles/${kind}`] : []), '--import', 'tsx'];
  const child = spawn(
    'taskset',
    ['-c', '0', process.execPath, ...node, script, String(maxN), String(controllers), ...clusterArgs],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  children.push(child);
  const ready = await new Promise<Ready>((resolve, reject) => {
    child.on('message', (m: FromServer) => m.type === 'ready' && resolve(m));
    child.once('exit', (code) => reject(new Error(`${kind} server exited with ${code}`)));
  });
  const ask = <T>(m: ToServer, answer: FromServer['type']) =>
    new Promise<T>((resolve) => {
      const on = (r: FromServer) => {
        if (r.type !== answer) return;
        child.off('message', on);
        resolve(r as T);
      };
      child.on('message', on);
      child.send(m);
    });
  const result: Child = {
    child,
    all: [child],
    urls: [ready.url],
    ready,
    rss: async () => [await ask<{ rss: number; heapUsed: number }>({ type: 'rss' }, 'rss')],
    stop: async () => {
      child.send({ type: 'stop' } satisfies ToServer);
      await new Promise((r) => child.once('exit', r));
    },
    ask,
  };
  return result;
}

function open(url: string, init: Record<string, unknown>): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, 'graphql-transport-ws');
    ws.once('error', reject);
    ws.once('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: init })));
    ws.once('message', (data: Buffer) => {
      if (String(data).includes('connection_ack')) resolve(ws);
      else reject(new Error(`no ack: ${String(data).slice(0, 200)}`));
    });
    ws.once('close', (code, reason) => reject(new Error(`closed ${code} ${String(reason)}`)));
  });
}

async function connectController(url: string, ready: Ready, deviceToken: string) {
  const ws = await open(url, {
    deviceToken,
    protocolVersion: 2,
    controller: {
      model: 'Bench',
      serial: randomUUID(),
      firmware: '1',
      capabilities: [],
      time: new Date().toISOString(),
    },
  });
  if (ready.deviceTokens.length) {
    ws.send(
      JSON.stringify({
        id: randomUUID(),
        type: 'subscribe',
        payload: { query: 'subscription { lockerCommands { id kind compartmentLabel ttlMs } }' },
      }),
    );
  }
  return ws;
}

const VERSION = Buffer.from('"version":');
/** What the message handlers report to the running phase. */
let onEvent: (seq: number, at: number) => void = () => {};
/** The running phase's events: [from, to). */
const phase = { from: 0, to: Number.MAX_SAFE_INTEGER };

async function connectSubscriber(url: string, ready: Ready, i: number): Promise<Sub> {
  const token = ready.subscriberTokens[i];
  const ws = await open(url, token ? { authorization: `Bearer ${token}` } : {});
  const sub: Sub = { ws, last: 0, got: 0, reordered: 0 };
  ws.once('close', (code) => (sub.closed = code));
  ws.on('message', (data: Buffer) => {
    const at = data.indexOf(VERSION);
    if (at < 0) return;
    let seq = 0;
    for (let j = at + VERSION.length; j < data.length; j++) {
      const c = data[j]!;
      if (c < 48 || c > 57) break;
      seq = seq * 10 + c - 48;
    }
    // Only the running phase's events count: a late warm-up event is neither lost nor extra.
    if (seq < phase.from || seq >= phase.to) return;
    if (seq <= sub.last) sub.reordered++;
    sub.last = seq;
    sub.got++;
    onEvent(seq, nowEpoch());
  });
  ws.send(
    JSON.stringify({
      id: randomUUID(),
      type: 'subscribe',
      payload: { query: SUBSCRIPTION, variables: ready.variables },
    }),
  );
  return sub;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Publishes until every subscriber has had an event (so all subscriptions are live), then lets the rest drain. */
async function warmUp(server: Child, subs: Sub[], seq: number): Promise<number> {
  phase.from = seq;
  phase.to = Number.MAX_SAFE_INTEGER;
  for (const s of subs) s.got = 0;
  onEvent = () => {};
  const deadline = Date.now() + 60_000;
  while (subs.some((s) => s.got === 0)) {
    if (Date.now() > deadline)
      throw new Error(`${subs.filter((s) => s.got === 0).length} subscribers never got an event`);
    server.child.send({ type: 'go', seq: seq++ } satisfies ToServer);
    await sleep(300);
    if (subs.some((s) => s.closed !== undefined)) throw new Error('a subscriber was closed while warming up');
  }
  await sleep(1_000);
  return seq + 1;
}

function reset(subs: Sub[], firstSeq: number, count: number) {
  phase.from = firstSeq;
  phase.to = firstSeq + count;
  for (const s of subs) {
    s.got = 0;
    s.reordered = 0;
  }
}

async function throughput(server: Child, subs: Sub[], firstSeq: number, events: number, window: number) {
  reset(subs, firstSeq, events);
  const n = subs.length;
  const counts = new Int32Array(events);
  let sent = 0;
  let completed = 0;
  let lastProgress = Date.now();
  const started = nowEpoch();
  let finished = 0;
  const go = () => server.child.send({ type: 'go', seq: firstSeq + sent++ } satisfies ToServer);
  let watch: NodeJS.Timeout | undefined;
  await new Promise<void>((resolve) => {
    onEvent = (seq) => {
      const k = seq - firstSeq;
      if (k < 0 || k >= events) return;
      counts[k] = (counts[k] ?? 0) + 1;
      if (counts[k] !== n) return;
      completed++;
      lastProgress = Date.now();
      if (completed === events) {
        finished = nowEpoch();
        return resolve();
      }
      if (sent < events) go();
    };
    for (let i = 0; i < Math.min(window, events); i++) go();
    watch = setInterval(() => {
      if (Date.now() - lastProgress < 10_000) return;
      finished = nowEpoch();
      resolve();
    }, 500);
  });
  clearInterval(watch);
  onEvent = () => {};
  await sleep(200);
  const messages = subs.reduce((a, s) => a + s.got, 0);
  return {
    messages,
    seconds: (finished - started) / 1000,
    lost: n * events - messages,
    reordered: subs.reduce((a, s) => a + s.reordered, 0),
  };
}

async function paced(server: Child, subs: Sub[], firstSeq: number, count: number, rate: number) {
  reset(subs, firstSeq, count);
  const n = subs.length;
  const latencies = new Float64Array(n * count);
  let received = 0;
  const startAt = nowEpoch() + 300;
  let lastProgress = Date.now();
  let watch: NodeJS.Timeout | undefined;
  await new Promise<void>((resolve) => {
    onEvent = (seq, at) => {
      const k = seq - firstSeq;
      if (k < 0 || k >= count) return;
      latencies[received++] = at - (startAt + (k * 1000) / rate);
      lastProgress = Date.now();
      if (received === n * count) resolve();
    };
    server.child.send({ type: 'paced', firstSeq, count, rate, startAt } satisfies ToServer);
    watch = setInterval(() => {
      if (Date.now() - lastProgress < 10_000 || nowEpoch() < startAt + (count * 1000) / rate) return;
      resolve();
    }, 500);
  });
  clearInterval(watch);
  onEvent = () => {};
  const got = latencies.subarray(0, received).sort();
  const pct = (p: number) => got[Math.min(got.length - 1, Math.floor(p * got.length))] ?? NaN;
  return {
    p50: pct(0.5),
    p99: pct(0.99),
    max: got[got.length - 1] ?? NaN,
    lost: n * count - received,
    reordered: subs.reduce((a, s) => a + s.reordered, 0),
  };
}

function serverTicks(all: ChildProcess[]): number {
  // taskset execs node in place, so the child's pid is the server's.
  let ticks = 0;
  for (const child of all) {
    const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks;
}

/** Three Baylight instances on one throwaway redis-server and one SQLite file (see the header). */
async function startCluster(maxN: number, controllers: number): Promise<Child> {
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const redis = spawn(
    'taskset',
    ['-c', '0', 'redis-server', '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  children.push(redis);
  const url = `redis://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 10_000; ;) {
    const up = await new Promise<boolean>((resolve) => {
      const c = connect(port, '127.0.0.1', () => {
        c.end();
        resolve(true);
      }).once('error', () => resolve(false));
    });
    if (up) break;
    if (Date.now() > deadline) throw new Error('redis-server did not start (is it installed?)');
    await sleep(50);
  }
  const dir = mkdtempSync(join(tmpdir(), 'baylight-fanout-cluster-'));
  const file = join(dir, 'b.db');
  // The first creates the people and banks in the file; the others find them there.
  const instances: Child[] = [];
  for (const id of ['a', 'b', 'c'])
    instances.push(await startChild('baylight', maxN, controllers, false, [url, file, id]));
  const [first] = instances as [Child, ...Child[]];
  return {
    ...first,
    all: instances.map((i) => i.child),
    urls: instances.map((i) => i.ready.url),
    rss: async () => (await Promise.all(instances.map((i) => i.rss()))).flat(),
    stop: async () => {
      for (const i of instances) await i.stop();
      redis.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function cpuShare(usage: NodeJS.CpuUsage, seconds: number) {
  return (usage.user + usage.system) / 1e6 / seconds;
}

if (!args.includes('--pinned')) {
  // Re-run pinned to CPU 1; the servers are started on CPU 0.
  const child = spawn('taskset', ['-c', '1', process.execPath, '--import', 'tsx', here, '--pinned', ...args], {
    stdio: 'inherit',
  });
  child.on('exit', (code) => process.exit(code ?? 1));
} else {
  // A failed run must not leave its server behind on CPU 0.
  process.on('exit', () => children.forEach((c) => c.kill()));
  await main();
}
