/**
 * The board's data path without a server: Graphcache with our keys and
 * updaters, between the version guards, fed by a fake network.
 */
import { Client, makeResult, type Exchange, type Operation } from '@urql/core';
import { cacheExchange } from '@urql/exchange-graphcache';
import { describe, expect, it } from 'vitest';
import { filter, fromValue, makeSubject, map, mergeMap, pipe, subscribe } from 'wonka';
import { CompartmentUpdatedSubscription, LockerBoardQuery } from '@/features/board/documents';
import type { CompartmentFieldsFragment } from '@/gql/graphql';
import { cacheKeys, cacheUpdates } from './cache-config';
import { versionGuardExchanges } from './urql';
import { VersionBook } from './version-book';

const compartment = (
  id: string,
  label: string,
  version: number,
  door: 'OPEN' | 'CLOSED',
): CompartmentFieldsFragment & { __typename: 'Compartment' } => ({
  __typename: 'Compartment',
  id,
  version,
  bankId: 'b1',
  label,
  size: 'M',
  hasCharging: false,
  accessible: false,
  door,
  occupancy: 'EMPTY',
  charging: 'IDLE',
  state: 'AVAILABLE',
  updatedAt: '2026-11-27T08:00:00.000Z',
});

const board = (compartments: ReturnType<typeof compartment>[]) => ({
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
          location: 'Ground floor',
          status: 'ONLINE',
          lastSeenAt: null,
          counts: { __typename: 'CompartmentCounts', total: 1, available: 1, inUse: 0, open: 0, unavailable: 0 },
          compartments,
        },
      ],
    },
  ],
});

function setup() {
  const events = makeSubject<Record<string, unknown>>();
  let boardResponse: Record<string, unknown> = board([compartment('c1', 'A01', 1, 'CLOSED')]);
  const network: Exchange = () => (ops$) =>
    pipe(
      ops$,
      filter((op: Operation) => op.kind !== 'teardown'),
      mergeMap((op: Operation) =>
        op.kind === 'subscription'
          ? pipe(
              events.source,
              map((data) => makeResult(op, { data })),
            )
          : fromValue(makeResult(op, { data: boardResponse })),
      ),
    );
  const guard = versionGuardExchanges(new VersionBook());
  const client = new Client({
    url: 'http://test/graphql',
    exchanges: [guard.aboveCache, cacheExchange({ keys: cacheKeys, updates: cacheUpdates }), guard.belowCache, network],
  });
  const sub = pipe(
    client.subscription(CompartmentUpdatedSubscription, {}),
    subscribe(() => {}),
  );
  const readBoard = async () => {
    const result = await client.query(LockerBoardQuery, {}, { requestPolicy: 'cache-only' }).toPromise();
    return result.data?.sites[0]?.banks[0]?.compartments ?? [];
  };
  return {
    client,
    readBoard,
    push: (c: ReturnType<typeof compartment>) => events.next({ compartmentUpdated: c }),
    setBoardResponse: (data: Record<string, unknown>) => {
      boardResponse = data;
    },
    stop: () => sub.unsubscribe(),
  };
}

describe('live board cache', () => {
  it('applies newer events and ignores older ones', async () => {
    const t = setup();
    await t.client.query(LockerBoardQuery, {}).toPromise();
    t.push(compartment('c1', 'A01', 3, 'OPEN'));
    expect(await t.readBoard()).toMatchObject([{ id: 'c1', version: 3, door: 'OPEN' }]);

    t.push(compartment('c1', 'A01', 2, 'CLOSED')); // late delivery of an older change
    expect(await t.readBoard()).toMatchObject([{ id: 'c1', version: 3, door: 'OPEN' }]);
    t.stop();
  });

  it('keeps the newest state when a resync returns an older snapshot', async () => {
    const t = setup();
    await t.client.query(LockerBoardQuery, {}).toPromise();
    t.push(compartment('c1', 'A01', 5, 'OPEN'));
    t.setBoardResponse(board([compartment('c1', 'A01', 4, 'CLOSED')]));
    await t.client.query(LockerBoardQuery, {}, { requestPolicy: 'network-only' }).toPromise();
    expect(await t.readBoard()).toMatchObject([{ id: 'c1', version: 5, door: 'OPEN' }]);
    t.stop();
  });

  it('adds a compartment the board did not know to its bank', async () => {
    const t = setup();
    await t.client.query(LockerBoardQuery, {}).toPromise();
    t.push(compartment('c2', 'A02', 1, 'CLOSED'));
    t.push(compartment('c2', 'A02', 2, 'OPEN'));
    expect((await t.readBoard()).map((c) => [c.label, c.door])).toEqual([
      ['A01', 'CLOSED'],
      ['A02', 'OPEN'],
    ]);
    t.stop();
  });
});
