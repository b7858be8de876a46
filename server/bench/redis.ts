/**
 * What the Redis adapters cost, against their in-process counterparts, on a
 * throwaway redis-server on loopback:
 *
 * - rate limiter: takes/s one at a time (latency-bound) and 64 in flight
 *   (throughput), per take p50/p99;
 * - bus: publish on instance B → subscriber on instance A, p50/p99, and
 *   events/s for a burst.
 *
 *   npm run bench:redis -w server     (needs redis-server on PATH)
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { createInProcessBus } from '../src/bus/index.js';
import { createRedisBus } from '../src/bus/redis.js';
import { createMemoryRateLimiter, type RateLimiter } from '../src/limits/rate-limiter.js';
import { createRedisRateLimiter } from '../src/limits/redis-rate-limiter.js';

const port = await new Promise<number>((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const p = (s.address() as { port: number }).port;
    s.close(() => resolve(p));
  });
});
const child = spawn(
  'redis-server',
  ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
  {
    stdio: 'ignore',
  },
);
const connect = async (extra: Record<string, unknown> = {}) => {
  for (;;) {
    const r = new Redis({ port, lazyConnect: true, retryStrategy: () => null, ...extra });
    r.on('error', () => {});
    try {
      await r.connect();
      return r;
    } catch {
      await new Promise((res) => setTimeout(res, 50));
    }
  }
};
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const ms = (n: number) => `${n.toFixed(3)} ms`;

async function limiterFigures(name: string, limiter: RateLimiter) {
  const n = 5_000;
  const lat: number[] = [];
  let t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    await limiter.take(`ip:${i % 100}`);
    lat.push(performance.now() - s);
  }
  const serial = n / ((performance.now() - t0) / 1000);
  t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next++ < n) await limiter.take(`ip:${next % 100}`);
    }),
  );
  const parallel = n / ((performance.now() - t0) / 1000);
  console.log(
    `| ${name} | ${serial.toFixed(0)} | ${parallel.toFixed(0)} | ${ms(pct(lat, 0.5))} | ${ms(pct(lat, 0.99))} |`,
  );
}

const big = { capacity: 1e9, refillPerSecond: 1e9 };
console.log('\nRate limiter (5,000 takes over 100 keys)\n');
console.log('| limiter | takes/s, one at a time | takes/s, 64 in flight | p50 | p99 |\n|---|---|---|---|---|');
await limiterFigures('in-memory', createMemoryRateLimiter(big));
const limiterConn = await connect();
await limiterFigures('redis (Lua, EVALSHA)', createRedisRateLimiter({ redis: limiterConn, name: 'bench', ...big }));
await limiterFigures(
  'redis, auto-pipelined',
  createRedisRateLimiter({ redis: await connect({ enableAutoPipelining: true }), name: 'bench2', ...big }),
);

console.log('\nBus: publish on B, subscriber on A (2,000 events, one at a time; then a burst of 20,000)\n');
console.log('| bus | p50 | p99 | burst events/s |\n|---|---|---|---|');
const payload = {
  id: 'c1',
  bankId: 'b1',
  label: 'A01',
  door: 'OPEN',
  occupancy: 'EMPTY',
  version: 1,
  updatedAt: new Date(),
};
async function busFigures(
  name: string,
  pub: { publish(t: string, p: unknown): void },
  sub: ReturnType<typeof createInProcessBus>,
  settle: () => Promise<void>,
) {
  const it = sub.subscribe<typeof payload>('compartment:b1');
  await settle();
  const lat: number[] = [];
  for (let i = 0; i < 2_000; i++) {
    const s = performance.now();
    pub.publish('compartment:b1', { ...payload, version: i });
    await it.next();
    lat.push(performance.now() - s);
  }
  const burst = 20_000;
  const t0 = performance.now();
  for (let i = 0; i < burst; i++) pub.publish('compartment:b1', { ...payload, version: i });
  for (let i = 0; i < burst; i++) await it.next();
  const rate = burst / ((performance.now() - t0) / 1000);
  console.log(`| ${name} | ${ms(pct(lat, 0.5))} | ${ms(pct(lat, 0.99))} | ${rate.toFixed(0)} |`);
  await it.return?.();
}
const local = createInProcessBus();
await busFigures('in-process', local, local, () => Promise.resolve());
const a = await createRedisBus({ redis: await connect(), instanceId: 'a' });
const b = await createRedisBus({ redis: await connect(), instanceId: 'b' });
const c = await createRedisBus({ redis: await connect({ enableAutoPipelining: true }), instanceId: 'c' });
await busFigures('redis, across instances', b, a, () => a.settled());
await busFigures('redis, across instances, auto-pipelined publisher', c, a, () => a.settled());

await a.close();
await b.close();
child.kill('SIGKILL');
process.exit(0);
