/**
 * The hydration race: Graphcache's offlineExchange saves nothing written
 * before its storage has loaded. These tests run the real offlineExchange over
 * a storage whose `readData` answers late, with a network that answers at once.
 */
import { Client, makeOperation, makeResult, type Exchange, type Operation } from '@urql/core';
import { offlineExchange, type SerializedEntries, type StorageAdapter } from '@urql/exchange-graphcache';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { filter, fromValue, makeSubject, mergeMap, pipe, subscribe } from 'wonka';
import { LockerBoardQuery } from '@/features/board/documents';
import { cacheKeys, cacheUpdates } from './cache-config';
import { createHydrationGate, holdUntilHydratedExchange } from './hydration-gate';

const board = {
  sites: [
    {
      __typename: 'Site',
      id: 's1',
      name: 'Main campus',
      timezone: 'UTC',
      banks: [
        {
          __typename: 'LockerBank',
          id: 'b1',
          version: 1,
          name: 'Library',
          location: null,
          status: 'ONLINE',
          lastSeenAt: null,
          counts: { __typename: 'CompartmentCounts', total: 1, available: 1, inUse: 0, open: 0, unavailable: 0 },
          compartments: [
            {
              __typename: 'Compartment',
              id: 'c1',
              version: 1,
              bankId: 'b1',
              label: 'A01',
              size: 'M',
              hasCharging: false,
              accessible: false,
              door: 'CLOSED',
              occupancy: 'EMPTY',
              charging: 'IDLE',
              state: 'AVAILABLE',
              updatedAt: '2026-11-27T08:00:00.000Z',
            },
          ],
        },
      ],
    },
  ],
};

/** A storage like makeDefaultStorage, except that reading waits for `finishReading()`. */
function slowStorage(onCacheHydrated?: () => void) {
  let finishReading!: () => void;
  const reading = new Promise<SerializedEntries>((resolve) => {
    finishReading = () => resolve({});
  });
  const written: SerializedEntries = {};
  const storage: StorageAdapter = {
    readData: () => reading,
    writeData: (delta) => {
      Object.assign(written, delta);
      return Promise.resolve();
    },
    readMetadata: () => Promise.resolve(null),
    writeMetadata: () => undefined,
    onOnline: () => undefined,
    onCacheHydrated,
  };
  return { storage, written, finishReading };
}

const network: Exchange = () => (ops$) =>
  pipe(
    ops$,
    filter((op: Operation) => op.kind !== 'teardown'),
    mergeMap((op: Operation) => fromValue(makeResult(op, { data: board }))),
  );

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('persisting the first answer', () => {
  // Graphcache never persists under NODE_ENV=test.
  beforeEach(() => {
    vi.stubEnv('NODE_ENV', 'development');
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  async function run(withGate: boolean) {
    const gate = createHydrationGate();
    const { storage, written, finishReading } = slowStorage(gate.markHydrated);
    const cache = offlineExchange({ storage, keys: cacheKeys, updates: cacheUpdates });
    const client = new Client({
      url: 'http://test/graphql',
      exchanges: withGate ? [holdUntilHydratedExchange(gate), cache, network] : [cache, network],
    });
    const seen: unknown[] = [];
    const subscription = pipe(
      client.query(LockerBoardQuery, {}, { requestPolicy: 'cache-and-network' }),
      subscribe((result) => seen.push(result.data)),
    );
    await settle();
    const answeredBeforeHydration = seen.length > 0;
    finishReading();
    await settle();
    await settle();
    subscription.unsubscribe();
    gate.dispose();
    return { written, answeredBeforeHydration, seen };
  }

  it('without the gate, an answer that beats hydration is never saved (the bug)', async () => {
    const { written, answeredBeforeHydration } = await run(false);
    expect(answeredBeforeHydration).toBe(true);
    expect(written['Compartment:c1.door']).toBeUndefined();
  });

  it('with the gate, the query waits for hydration and its answer is saved', async () => {
    const { written, answeredBeforeHydration, seen } = await run(true);
    expect(answeredBeforeHydration).toBe(false);
    expect(seen.at(-1)).toMatchObject({ sites: [{ banks: [{ compartments: [{ label: 'A01' }] }] }] });
    expect(written['Compartment:c1.door']).toBe('"CLOSED"');
    expect(written['Compartment:c1.label']).toBe('"A01"');
  });
});

describe('holdUntilHydratedExchange', () => {
  function harness() {
    const gate = createHydrationGate({ timeoutMs: 50 });
    const forwarded: Operation[] = [];
    const ops = makeSubject<Operation>();
    const exchange = holdUntilHydratedExchange(gate)({
      client: new Client({ url: 'http://test/graphql', exchanges: [] }),
      dispatchDebug: () => undefined,
      forward: (ops$) =>
        pipe(
          ops$,
          filter((op) => {
            forwarded.push(op);
            return false;
          }),
        ) as never,
    });
    pipe(
      exchange(ops.source),
      subscribe(() => undefined),
    );
    return { gate, forwarded, ops };
  }
  const client = new Client({ url: 'http://test/graphql', exchanges: [] });
  const op = (kind: 'query' | 'mutation' | 'teardown', key: number): Operation => {
    const request = { key, query: LockerBoardQuery, variables: {} };
    return makeOperation(kind, request, client.createRequestOperation('query', request).context);
  };

  it('holds operations until hydration, then sends them in order', () => {
    const { gate, forwarded, ops } = harness();
    ops.next(op('query', 1));
    ops.next(op('mutation', 2));
    expect(forwarded).toEqual([]);
    gate.markHydrated();
    expect(forwarded.map((o) => [o.kind, o.key])).toEqual([
      ['query', 1],
      ['mutation', 2],
    ]);
    ops.next(op('query', 3));
    expect(forwarded.map((o) => o.key)).toEqual([1, 2, 3]);
    gate.dispose();
  });

  it('drops a held operation torn down before hydration, with its teardown', () => {
    const { gate, forwarded, ops } = harness();
    ops.next(op('query', 1));
    ops.next(op('teardown', 1));
    ops.next(op('query', 2));
    gate.markHydrated();
    expect(forwarded.map((o) => [o.kind, o.key])).toEqual([['query', 2]]);
    gate.dispose();
  });

  it('opens after the timeout when the storage never answers', async () => {
    const { forwarded, ops } = harness();
    ops.next(op('query', 1));
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(forwarded.map((o) => o.key)).toEqual([1]);
  });
});
