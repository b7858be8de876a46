/**
 * Bank leases and the per-bank command channel, on both implementations:
 * in-process (the embedded default) and Redis (a throwaway redis-server, two
 * "instances" being two connections; a third is a child process killed -9).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { track } from '../../test/helpers/disposables.js';
import { startRedis } from '../../test/helpers/redis.js';
import { createInProcessBus, type Bus } from '../bus/index.js';
import { createRedisBus } from '../bus/redis.js';
import { createBankChannel } from './bank-channel.js';
import {
  createAcceptanceClock,
  createInProcessBankLeases,
  createRedisBankLeases,
  keepLease,
  type BankLeases,
  type LeaseHolder,
} from './leases.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Two instances' views of one cluster. */
interface Cluster {
  a: { leases: BankLeases; bus: Bus };
  b: { leases: BankLeases; bus: Bus };
}

const implementations: [string, (ttlMs: number) => Promise<Cluster>][] = [
  [
    'in-process',
    (ttlMs) => {
      // One instance: both "instances" share the one process's leases and bus.
      const leases = createInProcessBankLeases({ ttlMs });
      const bus = createInProcessBus();
      return Promise.resolve({ a: { leases, bus }, b: { leases, bus } });
    },
  ],
  [
    'redis',
    async (ttlMs) => {
      const redis = await startRedis();
      const side = async (id: string) => {
        const conn = redis.client();
        const bus = await createRedisBus({ redis: conn, instanceId: id });
        track(bus, () => bus.close());
        return { leases: createRedisBankLeases({ redis: conn, ttlMs }), bus };
      };
      return { a: await side('a'), b: await side('b') };
    },
  ],
];

const clock = createAcceptanceClock();
const holder = (instanceId: string, n: number): LeaseHolder => ({
  instanceId,
  connectionId: `${instanceId}:${n}`,
  acceptedAt: clock(),
});

describe.each(implementations)('%s bank leases', (_name, makeCluster) => {
  it('lets one connection hold a bank: the later-accepted one wins, the earlier one is refused', async () => {
    const { a, b } = await makeCluster(5_000);
    const older = holder('a', 1);
    const newer = holder('b', 1);
    // The newer one's init arrives first (PROTOCOL.md 2: a late init of a timed-out attempt).
    expect(await b.leases.acquire('bank1', newer)).toEqual({ ok: true, replaced: null });
    expect(await a.leases.acquire('bank1', older)).toEqual({ ok: false, holder: newer });
    expect(await a.leases.holder('bank1')).toEqual(newer);
    // A connection accepted after the live one replaces it, across instances.
    const newest = holder('a', 2);
    expect(await a.leases.acquire('bank1', newest)).toEqual({ ok: true, replaced: newer });
    expect(await b.leases.refresh('bank1', newer.connectionId)).toBe(false);
    expect(await b.leases.release('bank1', newer.connectionId)).toBe(false);
    expect(await b.leases.holder('bank1')).toEqual(newest);
    // Acquiring again with the same connection is a refresh, not a replacement; banks are apart.
    expect(await a.leases.acquire('bank1', newest)).toEqual({ ok: true, replaced: null });
    expect(await b.leases.holder('bank2')).toBeNull();
  });

  it('gives the bank up on release, and lets it expire when the holder stops refreshing', async () => {
    const { a, b } = await makeCluster(300);
    const one = holder('a', 1);
    await a.leases.acquire('bank1', one);
    expect(await a.leases.release('bank1', one.connectionId)).toBe(true);
    expect(await b.leases.holder('bank1')).toBeNull();

    const kept = holder('a', 2);
    await a.leases.acquire('bank1', kept);
    const keeper = keepLease(a.leases, 'bank1', kept.connectionId, { everyMs: 50 });
    await sleep(700);
    expect(await b.leases.holder('bank1')).toEqual(kept);
    // The holder dies without releasing: refreshes stop, nothing else.
    keeper.abandon();
    await sleep(450);
    expect(await b.leases.holder('bank1')).toBeNull();
    // An older connection may take an expired lease.
    expect((await b.leases.acquire('bank1', { ...holder('b', 1), acceptedAt: 1 })).ok).toBe(true);
  });

  it('tells a keeper when its lease was taken by a newer connection', async () => {
    const { a, b } = await makeCluster(5_000);
    const mine = holder('a', 1);
    await a.leases.acquire('bank1', mine);
    let lost = 0;
    const keeper = keepLease(a.leases, 'bank1', mine.connectionId, { everyMs: 20, onLost: () => lost++ });
    track(keeper, () => keeper.stop());
    await b.leases.acquire('bank1', holder('b', 1));
    await sleep(150);
    expect(lost).toBe(1);
  });

  it('sends a command to the instance holding the bank only, says offline when nobody does, and tells a replaced holder', async () => {
    const { a, b } = await makeCluster(5_000);
    const onA = createBankChannel<{ open: string }>(a);
    const onB = createBankChannel<{ open: string }>(b);
    expect(await onA.send('bank1', { open: 'A01' })).toEqual({ delivered: false });

    const gotB: { open: string }[] = [];
    const replacedB: LeaseHolder[] = [];
    const atB = holder('b', 1);
    const claimB = await onB.claim('bank1', atB, {
      onMessage: (m) => gotB.push(m),
      onReplaced: (by) => replacedB.push(by),
    });
    expect(claimB.ok).toBe(true);
    await settle(b.bus);
    expect(await onA.send('bank1', { open: 'A01' })).toEqual({ delivered: true, holder: atB });
    await eventually(() => gotB.length === 1);
    expect(gotB).toEqual([{ open: 'A01' }]);

    const gotA: { open: string }[] = [];
    const atA = holder('a', 1);
    const claimA = await onA.claim('bank1', atA, { onMessage: (m) => gotA.push(m) });
    expect(claimA).toMatchObject({ ok: true, replaced: atB });
    await eventually(() => replacedB.length === 1);
    expect(replacedB).toEqual([atA]);
    await settle(a.bus);
    await onB.send('bank1', { open: 'B02' });
    await eventually(() => gotA.length === 1);
    expect(gotA).toEqual([{ open: 'B02' }]);
    expect(gotB).toHaveLength(1);

    // B's socket closes after being replaced: its release must not remove A's lease.
    await claimB.release();
    expect(await b.leases.holder('bank1')).toEqual(atA);
    await claimA.release();
    expect(await onB.send('bank1', { open: 'B02' })).toEqual({ delivered: false });
  });
});

describe('Redis bank leases across processes', () => {
  it('expire after the holding process is killed (-9), and another instance can take the bank', async () => {
    const redis = await startRedis();
    const leases = createRedisBankLeases({ redis: redis.client(), ttlMs: 400 });
    const script = fileURLToPath(new URL('../../test/helpers/lease-holder.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, redis.url, 'bank1', '400'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    track(child, () => void child.kill('SIGKILL'));
    const [line] = (await once(child.stdout, 'data')) as [Buffer];
    expect(line.toString().trim()).toBe('held');
    // Held for longer than its TTL while the child lives and refreshes.
    await sleep(900);
    expect((await leases.holder('bank1'))?.instanceId).toBe('child');
    // An older connection elsewhere cannot take it from a live holder.
    expect((await leases.acquire('bank1', { ...holder('a', 1), acceptedAt: 1 })).ok).toBe(false);
    child.kill('SIGKILL');
    await once(child, 'exit');
    await sleep(600);
    expect(await leases.holder('bank1')).toBeNull();
    expect((await leases.acquire('bank1', { ...holder('a', 1), acceptedAt: 1 })).ok).toBe(true);
  });
});

async function settle(bus: Bus) {
  await (bus as Partial<{ settled(): Promise<void> }>).settled?.();
}

async function eventually(cond: () => boolean, ms = 3_000) {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met');
    await sleep(10);
  }
}
