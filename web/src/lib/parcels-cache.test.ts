/**
 * The parcel lists' live updates without a server: Graphcache with our keys,
 * updaters and resolvers, fed by a fake network.
 */
import { Client, makeResult, type Exchange, type Operation } from '@urql/core';
import { Kind, type OperationDefinitionNode } from 'graphql';
import { cacheExchange } from '@urql/exchange-graphcache';
import { describe, expect, it } from 'vitest';
import { filter, fromValue, makeSubject, map, mergeMap, pipe, subscribe } from 'wonka';
import {
  MyParcelUpdatedSubscription,
  MyParcelsQuery,
  ParcelQuery,
  ParcelUpdatedSubscription,
  ParcelsQuery,
} from '@/features/parcels/documents';
import { StaffAlertUpdatedSubscription, StaffAlertsQuery } from '@/features/alerts/documents';
import { cacheKeys, cacheResolvers, cacheUpdates } from './cache-config';

type Status = 'AWAITING_DEPOSIT' | 'READY_FOR_PICKUP' | 'AT_DESK' | 'PICKED_UP' | 'RECALL_PENDING';

const parcel = (id: string, status: Status, extra: Record<string, unknown> = {}) => ({
  __typename: 'Parcel',
  id,
  tracking: `TRK-${id}`,
  carrier: null,
  size: 'M',
  status,
  deskReason: status === 'AT_DESK' ? 'RECALLED' : null,
  createdAt: '2026-11-27T08:00:00.000Z',
  depositedAt: null,
  expiresAt: null,
  pickedUpAt: null,
  pickupMethod: null,
  extended: false,
  recipient: { __typename: 'Person', id: 'p1', name: 'Ada', email: 'ada@uni.edu', studentId: 'S1' },
  proxy: null,
  bank: { __typename: 'LockerBank', id: 'b1', name: 'Library', location: '' },
  compartment: null,
  pickupCode: status === 'READY_FOR_PICKUP' ? '12345678' : null,
  pickupQrToken: status === 'READY_FOR_PICKUP' ? 'jws' : null,
  ...extra,
});

function rootField(op: Operation): string {
  const def = op.query.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const first = def?.selectionSet.selections[0];
  return first?.kind === Kind.FIELD ? first.name.value : '';
}

function setup(answer: (op: Operation) => Record<string, unknown>) {
  const events = makeSubject<Record<string, unknown>>();
  const network: Exchange = () => (ops$) =>
    pipe(
      ops$,
      filter((op: Operation) => op.kind !== 'teardown'),
      mergeMap((op: Operation) =>
        op.kind === 'subscription'
          ? pipe(
              events.source,
              // Each subscription only sees the events for its own root field.
              filter((data) => rootField(op) in data),
              map((data) => makeResult(op, { data })),
            )
          : fromValue(makeResult(op, { data: answer(op) })),
      ),
    );
  const client = new Client({
    url: 'http://test/graphql',
    exchanges: [cacheExchange({ keys: cacheKeys, updates: cacheUpdates, resolvers: cacheResolvers }), network],
  });
  const subs = [ParcelUpdatedSubscription, MyParcelUpdatedSubscription, StaffAlertUpdatedSubscription].map((doc) =>
    pipe(
      client.subscription(doc, {}),
      subscribe(() => {}),
    ),
  );
  return {
    client,
    push: (data: Record<string, unknown>) => events.next(data),
    stop: () => subs.forEach((s) => s.unsubscribe()),
  };
}

const cached = { requestPolicy: 'cache-only' } as const;

describe('parcel lists in the cache', () => {
  it('moves a recalled parcel from RECALL_PENDING to AT_DESK', async () => {
    const t = setup((op) => ({
      parcels:
        op.variables && (op.variables as { status?: string }).status === 'RECALL_PENDING'
          ? [parcel('x1', 'RECALL_PENDING')]
          : [],
    }));
    await t.client.query(ParcelsQuery, { status: 'RECALL_PENDING', limit: 200 }).toPromise();
    await t.client.query(ParcelsQuery, { status: 'AT_DESK', limit: 200 }).toPromise();
    t.push({ parcelUpdated: parcel('x1', 'AT_DESK') });
    const recall = await t.client.query(ParcelsQuery, { status: 'RECALL_PENDING', limit: 200 }, cached).toPromise();
    const desk = await t.client.query(ParcelsQuery, { status: 'AT_DESK', limit: 200 }, cached).toPromise();
    expect(recall.data?.parcels.map((p) => p.id)).toEqual([]);
    expect(desk.data?.parcels.map((p) => [p.id, p.status, p.deskReason])).toEqual([['x1', 'AT_DESK', 'RECALLED']]);
    t.stop();
  });

  it('puts a new intake at the front of the unfiltered list, not of other statuses', async () => {
    const t = setup(() => ({ parcels: [parcel('old', 'READY_FOR_PICKUP')] }));
    await t.client.query(ParcelsQuery, { limit: 200 }).toPromise();
    await t.client.query(ParcelsQuery, { status: 'READY_FOR_PICKUP', limit: 200 }).toPromise();
    t.push({ parcelUpdated: parcel('new', 'AWAITING_DEPOSIT') });
    const all = await t.client.query(ParcelsQuery, { limit: 200 }, cached).toPromise();
    const ready = await t.client.query(ParcelsQuery, { status: 'READY_FOR_PICKUP', limit: 200 }, cached).toPromise();
    expect(all.data?.parcels.map((p) => p.id)).toEqual(['new', 'old']);
    expect(ready.data?.parcels.map((p) => p.id)).toEqual(['old']);
    t.stop();
  });

  it('leaves search results to the server', async () => {
    const t = setup(() => ({ parcels: [] }));
    await t.client.query(ParcelsQuery, { search: 'ada', limit: 200 }).toPromise();
    t.push({ parcelUpdated: parcel('n', 'AWAITING_DEPOSIT') });
    const found = await t.client.query(ParcelsQuery, { search: 'ada', limit: 200 }, cached).toPromise();
    expect(found.data?.parcels).toEqual([]);
    t.stop();
  });
});

describe('my parcels in the cache', () => {
  it('adds a newly arrived parcel with its code, and answers parcel(id) from the cache', async () => {
    const t = setup(() => ({ myParcels: [] }));
    await t.client.query(MyParcelsQuery, {}).toPromise();
    t.push({ myParcelUpdated: parcel('m1', 'READY_FOR_PICKUP') });
    const mine = await t.client.query(MyParcelsQuery, {}, cached).toPromise();
    expect(mine.data?.myParcels.map((p) => [p.id, p.pickupCode, p.pickupQrToken])).toEqual([['m1', '12345678', 'jws']]);
    const one = await t.client.query(ParcelQuery, { id: 'm1' }, cached).toPromise();
    expect(one.data?.parcel?.tracking).toBe('TRK-m1');
    t.stop();
  });

  it('drops the code once the parcel is picked up', async () => {
    const t = setup(() => ({ myParcels: [parcel('m1', 'READY_FOR_PICKUP')] }));
    await t.client.query(MyParcelsQuery, {}).toPromise();
    t.push({ myParcelUpdated: parcel('m1', 'PICKED_UP', { pickupMethod: 'CODE' }) });
    const mine = await t.client.query(MyParcelsQuery, {}, cached).toPromise();
    expect(mine.data?.myParcels.map((p) => [p.status, p.pickupCode])).toEqual([['PICKED_UP', null]]);
    t.stop();
  });
});

describe('staff alerts in the cache', () => {
  it('adds new alerts to the list', async () => {
    const alert = (id: string, resolvedAt: string | null = null) => ({
      __typename: 'StaffAlert',
      id,
      kind: 'DOOR_LEFT_OPEN',
      bankId: 'b1',
      compartmentLabel: 'A01',
      parcelId: null,
      message: 'Door A01 open for 2 min',
      createdAt: '2026-11-27T08:00:00.000Z',
      resolvedAt,
    });
    const t = setup(() => ({ staffAlerts: [alert('a1')] }));
    await t.client.query(StaffAlertsQuery, { includeResolved: true, limit: 100 }).toPromise();
    t.push({ staffAlertUpdated: alert('a2') });
    t.push({ staffAlertUpdated: alert('a1', '2026-11-27T08:05:00.000Z') });
    const list = await t.client.query(StaffAlertsQuery, { includeResolved: true, limit: 100 }, cached).toPromise();
    expect(list.data?.staffAlerts.map((a) => [a.id, a.resolvedAt])).toEqual([
      ['a2', null],
      ['a1', '2026-11-27T08:05:00.000Z'],
    ]);
    t.stop();
  });
});
