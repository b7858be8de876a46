/**
 * The Bus contract, run against both implementations (the in-process default
 * and the Redis bus on a throwaway redis-server), then what only the Redis bus
 * does: across instances, one subscription per topic per instance, and
 * resync after Redis restarts.
 */
import { describe, expect, it } from 'vitest';
import { track } from '../../test/helpers/disposables.js';
import { startRedis, type TestRedis } from '../../test/helpers/redis.js';
import { createInProcessBus } from './in-process.js';
import { BUS_RESYNC_TOPIC, type Bus, type BusResync } from './index.js';
import { createRedisBus, type RedisBus } from './redis.js';

async function redisBus(redis: TestRedis, instanceId = 'a'): Promise<RedisBus> {
  const bus = await createRedisBus({ redis: redis.client(), instanceId, resyncCoalesceMs: 10 });
  return track(bus, () => bus.close());
}

const implementations: [string, () => Promise<Bus>][] = [
  ['in-process', () => Promise.resolve(createInProcessBus())],
  ['redis', async () => redisBus(await startRedis())],
];

/** Resolves with the next value, or 'timeout'. */
function nextWithin<T>(it: AsyncIterator<T>, ms: number) {
  return Promise.race([
    it.next().then((r) => (r.done ? 'done' : r.value)),
    new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms)),
  ]);
}

describe.each(implementations)('the %s bus', (_name, makeBus) => {
  it('delivers to subscribers of the topic only, in order, including what was published before the first next()', async () => {
    const bus = await makeBus();
    const a = bus.subscribe<number>('a');
    const b = bus.subscribe<number>('b');
    bus.publish('a', 1);
    bus.publish('b', 9);
    bus.publish('a', 2);
    expect((await a.next()).value).toBe(1);
    expect((await a.next()).value).toBe(2);
    expect((await b.next()).value).toBe(9);
  });

  it('forgets a subscriber that returns, even while it waits on a quiet topic', async () => {
    const bus = await makeBus();
    const sub = bus.subscribe<number>('quiet');
    const pending = sub.next();
    expect(bus.listenerCount('quiet')).toBe(1);
    await sub.return?.();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(bus.listenerCount('quiet')).toBe(0);
  });

  it('stops on abort', async () => {
    const bus = await makeBus();
    const ctrl = new AbortController();
    const sub = bus.subscribe<number>('t', ctrl.signal);
    ctrl.abort();
    expect((await sub.next()).done).toBe(true);
    expect(bus.listenerCount('t')).toBe(0);
  });

  it('gives every subscriber of a topic each event once, and counts only local listeners', async () => {
    const bus = await makeBus();
    const one = bus.subscribe<{ n: number }>('t');
    const two = bus.subscribe<{ n: number }>('t');
    expect(bus.listenerCount('t')).toBe(2);
    bus.publish('t', { n: 1 });
    expect((await one.next()).value).toEqual({ n: 1 });
    expect((await two.next()).value).toEqual({ n: 1 });
    expect(await nextWithin(one, 100)).toBe('timeout');
  });
});

describe('the Redis bus across instances', () => {
  it('delivers what one instance publishes to subscribers on the others, once, with Dates as Dates', async () => {
    const redis = await startRedis();
    const a = await redisBus(redis, 'a');
    const b = await redisBus(redis, 'b');
    const onA = a.subscribe<{ at: Date; nested: { list: Date[] } }>('compartments');
    const onB = b.subscribe<{ at: Date; nested: { list: Date[] } }>('compartments');
    await a.settled();
    await b.settled();
    const at = new Date('2026-12-02T05:00:00.123Z');
    b.publish('compartments', { at, nested: { list: [at] } });
    const got = (await onA.next()).value;
    expect(got.at).toBeInstanceOf(Date);
    expect(got.at.getTime()).toBe(at.getTime());
    expect(got.nested.list[0]).toEqual(at);
    // B's own subscriber had it at once, and not a second time when Redis echoed it back.
    expect((await onB.next()).value.at).toBe(at);
    expect(await nextWithin(onB, 150)).toBe('timeout');
    expect(await nextWithin(onA, 50)).toBe('timeout');
  });

  it('holds one Redis subscription per topic per instance: SUBSCRIBE on the first listener, UNSUBSCRIBE after the last', async () => {
    const redis = await startRedis();
    const admin = redis.client();
    const bus = await redisBus(redis);
    const numsub = async () => (await admin.pubsub('NUMSUB', 'baylight:bus:t'))[1];
    const first = bus.subscribe('t');
    const second = bus.subscribe('t');
    await bus.settled();
    expect(await numsub()).toBe(1);
    await first.return?.();
    await bus.settled();
    expect(await numsub()).toBe(1);
    await second.return?.();
    await bus.settled();
    expect(await numsub()).toBe(0);
  });

  it('keeps local: topics on the instance that publishes them', async () => {
    const redis = await startRedis();
    const a = await redisBus(redis, 'a');
    const b = await redisBus(redis, 'b');
    const onA = a.subscribe('local:x');
    const onB = b.subscribe('local:x');
    await b.settled();
    a.publish('local:x', 1);
    expect((await onA.next()).value).toBe(1);
    expect(await nextWithin(onB, 150)).toBe('timeout');
  });

  it('after Redis restarts, resubscribes, tells local subscribers to resync, and delivers across instances again', async () => {
    const redis = await startRedis();
    const a = await redisBus(redis, 'a');
    const b = await redisBus(redis, 'b');
    const resyncA = a.subscribe<BusResync>(BUS_RESYNC_TOPIC);
    const resyncB = b.subscribe<BusResync>(BUS_RESYNC_TOPIC);
    const onA = a.subscribe<number>('t');
    await a.settled();
    await redis.restart();
    const signal = (await resyncA.next()).value;
    expect(signal.reason).toMatch(/reconnected/);
    expect(signal.at).toBeInstanceOf(Date);
    expect((await resyncB.next()).done).toBe(false);
    // The fresh Redis knows A's subscription again.
    const admin = redis.client();
    expect((await admin.pubsub('NUMSUB', 'baylight:bus:t'))[1]).toBe(1);
    b.publish('t', 7);
    expect(await nextWithin(onA, 2_000)).toBe(7);
  });

  it('tells the other instances to resync when one instance could not publish for a while', async () => {
    const redis = await startRedis();
    const a = await redisBus(redis, 'a');
    const admin = redis.client();
    const pub = redis.client();
    const b = await createRedisBus({ redis: pub, instanceId: 'b', resyncCoalesceMs: 10 });
    track(b, () => b.close());
    const resyncA = a.subscribe<BusResync>(BUS_RESYNC_TOPIC);
    // Only B's publishing connection drops (Redis stays up, A's subscription with it).
    const clients = await admin.client('LIST');
    const pubId = await pub.client('ID');
    expect(String(clients)).toContain(`id=${pubId} `);
    await admin.client('KILL', 'ID', String(pubId));
    const signal = await nextWithin(resyncA, 5_000);
    expect(signal).toMatchObject({ reason: 'peer-reconnected', instanceId: 'b' });
  });
});
