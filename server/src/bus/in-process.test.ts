import { describe, expect, it } from 'vitest';
import { createInProcessBus } from './in-process.js';

describe('in-process bus', () => {
  it('delivers to subscribers of the topic only, in order, including what was published before the first next()', async () => {
    const bus = createInProcessBus();
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
    const bus = createInProcessBus();
    const sub = bus.subscribe<number>('quiet');
    const pending = sub.next();
    expect(bus.listenerCount('quiet')).toBe(1);
    await sub.return?.();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(bus.listenerCount('quiet')).toBe(0);
  });

  it('stops on abort', async () => {
    const bus = createInProcessBus();
    const ctrl = new AbortController();
    const sub = bus.subscribe<number>('t', ctrl.signal);
    ctrl.abort();
    expect((await sub.next()).done).toBe(true);
    expect(bus.listenerCount('t')).toBe(0);
  });
});
