/**
 * Shared subscription delivery (graphql/fanout.ts) on the real server with
 * real graphql-ws clients: subscribers of one document and scope share one
 * execution per event, and each still gets exactly what its scope allows, in
 * order, nothing lost; a changed role still cuts a subscriber off.
 */
import { isObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SCOPE_ONLY_TYPES } from '../src/graphql/fanout.js';
import { buildSchema } from '../src/graphql/schema.js';
import { collect, execute, startTestServer, type GqlResponse, type TestServer } from './helpers/server.js';
import { track } from './helpers/disposables.js';
import type { Client } from 'graphql-ws';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Retries an expectation for up to 2 s: the server learns of a close a moment after the client. */
async function eventually(check: () => void) {
  const deadline = Date.now() + 2_000;
  for (;;) {
    try {
      return check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(25);
    }
  }
}

const DOORS = `subscription { compartmentUpdated { bankId label state version bank { name department controller { protocolVersion } } } }`;
/** The same operation written differently: its own group, so it runs alone (as every subscriber did before). */
const DOORS_ALONE = `${DOORS} `; // (trailing: error locations stay the same)

const OUT_OF_SERVICE = `mutation ($b: ID!, $l: String!, $o: Boolean!) {
  setCompartmentOutOfService(bankId: $b, label: $l, outOfService: $o, reason: "test") { version }
}`;

async function socketFor(server: TestServer, token: string): Promise<Client> {
  const client = server.wsClient({ authorization: `Bearer ${token}` });
  await new Promise<void>((resolve) => client.on('connected', () => resolve()));
  return client;
}

/** A bare graphql-transport-ws client keeping each frame exactly as it arrived. */
async function rawSubscriber(server: TestServer, token: string, id: string, query: string) {
  const frames: string[] = [];
  const ws: WebSocket = new WebSocket(server.wsUrl, 'graphql-transport-ws');
  track(ws, () => ws.terminate());
  await new Promise<void>((resolve, reject) => {
    ws.once('error', reject);
    ws.once('open', () =>
      ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })),
    );
    ws.once('message', () => resolve());
  });
  ws.on('message', (data: Buffer) => frames.push(String(data)));
  ws.send(JSON.stringify({ id, type: 'subscribe', payload: { query } }));
  return frames;
}

type Door = {
  compartmentUpdated: {
    bankId: string;
    label: string;
    version: number;
    bank: { name: string; controller: unknown };
  };
};

describe('shared subscription delivery', () => {
  it('gives subscribers of one document, in different scopes, exactly their own events, in order, nothing lost', async () => {
    const server = await startTestServer({ WS_MAX_SOCKETS_PER_CLIENT: '200', RATE_LIMIT_CLIENT_BURST: '5000' });
    const alpha = await server.createBank({ name: 'Alpha', department: 'Alpha', count: 4 });
    const bravo = await server.createBank({ name: 'Bravo', department: 'Bravo', count: 4 });
    const plain = await server.createBank({ name: 'Plain', count: 4 });
    const scopes = {
      student: () => server.tokenFor('STUDENT'),
      analystAlpha: () => server.tokenFor('DEPARTMENT', { department: 'Alpha' }),
      analystBravo: () => server.tokenFor('DEPARTMENT', { department: 'Bravo' }),
      operator: () => server.tokenFor('STAFF'),
    };
    type Scope = keyof typeof scopes;
    const shared: { scope: Scope; items: GqlResponse<Door>[] }[] = [];
    const alone = {} as Record<Scope, GqlResponse<Door>[]>;
    for (const scope of Object.keys(scopes) as Scope[]) {
      const many = scope === 'student' ? 20 : 3;
      for (let i = 0; i < many; i++)
        shared.push({ scope, items: collect<Door>(await socketFor(server, await scopes[scope]()), DOORS).items });
      alone[scope] = collect<Door>(await socketFor(server, await scopes[scope]()), DOORS_ALONE).items;
    }
    const raw = await rawSubscriber(server, await scopes.student(), 'raw-1', DOORS);
    await sleep(200);
    // One execution per event per scope: 4 shared groups and the 4 lone references.
    expect(server.webSockets.fanout.stats()).toMatchObject({ groups: 8, members: shared.length + 4 + 1 });

    const sent: { bankId: string; label: string; version: number }[] = [];
    for (let round = 0; round < 8; round++) {
      for (const bank of [alpha, bravo, plain]) {
        const label = round % 2 ? 'B01' : 'A01';
        const res = await server.gql(OUT_OF_SERVICE, { b: bank.bankId, l: label, o: round % 4 < 2 });
        expect(res.errors).toBeUndefined();
        sent.push({ bankId: bank.bankId, label, version: res.data.setCompartmentOutOfService.version });
      }
    }
    const visible: Record<Scope, string[]> = {
      student: [alpha.bankId, bravo.bankId, plain.bankId],
      analystAlpha: [alpha.bankId],
      analystBravo: [bravo.bankId],
      operator: [alpha.bankId, bravo.bankId, plain.bankId],
    };
    const expected = (scope: Scope) =>
      sent.filter((e) => visible[scope].includes(e.bankId)).map((e) => [e.bankId, e.label, e.version]);
    const seen = (items: GqlResponse<Door>[]) =>
      items.map((i) => [
        i.data?.compartmentUpdated.bankId,
        i.data?.compartmentUpdated.label,
        i.data?.compartmentUpdated.version,
      ]);

    const deadline = Date.now() + 10_000;
    while (
      Date.now() < deadline &&
      [...shared, ...Object.entries(alone).map(([scope, items]) => ({ scope: scope as Scope, items }))].some(
        (s) => s.items.length < expected(s.scope).length,
      )
    )
      await sleep(50);
    await sleep(300); // anything extra would have arrived by now

    for (const scope of Object.keys(scopes) as Scope[]) {
      // The lone reference: exactly its scope's events, in the order they happened.
      expect(seen(alone[scope])).toEqual(expected(scope));
      // Every shared subscriber: the very payloads the lone one of its scope got.
      for (const s of shared.filter((x) => x.scope === scope)) expect(s.items).toEqual(alone[scope]);
    }
    // What the scope decides inside the payload holds per scope too: the controller is not a student's to see.
    expect(alone.student[0]?.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(alone.student[0]?.data?.compartmentUpdated.bank.controller).toBeNull();
    expect(alone.analystAlpha[0]?.errors).toBeUndefined();
    expect(alone.operator[0]?.errors).toBeUndefined();
    // The frames are graphql-ws's own `next` messages, with this subscriber's id.
    expect(raw).toEqual(alone.student.map((payload) => JSON.stringify({ id: 'raw-1', type: 'next', payload })));
  }, 60_000);

  it('stops delivering to a subscriber whose role changed, and keeps delivering to the rest of its group', async () => {
    const server = await startTestServer();
    const bank = await server.createBank({ count: 4 });
    const ALERTS = `subscription { staffAlertUpdated { bankId kind message } }`;
    const changed = await server.services.people.createPerson({
      email: 'x@test.baylight.dev',
      name: 'X',
      role: 'STAFF',
    });
    const changedToken = await server.services.people.createApiToken(changed.id, 'test');
    const stays = collect(await socketFor(server, await server.tokenFor('STAFF')), ALERTS);
    const leaving = collect(await socketFor(server, changedToken), ALERTS);
    await sleep(100);
    expect(server.webSockets.fanout.stats()).toMatchObject({ groups: 1, members: 2 });

    await server.services.audit.raise({ kind: 'TAMPER', bankId: bank.bankId, compartmentLabel: 'A01', message: 'one' });
    await stays.until((items) => items.length === 1);
    await leaving.until((items) => items.length === 1);

    const res = await server.gql(`mutation ($p: ID!) { setPersonRole(personId: $p, role: STUDENT) { role } }`, {
      p: changed.id,
    });
    expect(res.data.setPersonRole.role).toBe('STUDENT');
    await leaving.until(() => !!leaving.error).catch(() => {});
    expect((leaving.error as { code?: number } | null)?.code).toBe(4001);
    await eventually(() => expect(server.webSockets.fanout.stats()).toMatchObject({ groups: 1, members: 1 }));

    await server.services.audit.raise({ kind: 'TAMPER', bankId: bank.bankId, compartmentLabel: 'A02', message: 'two' });
    await stays.until((items) => items.length === 2);
    await sleep(200);
    expect(leaving.items.map((i) => i.data?.staffAlertUpdated.message)).toEqual(['one']);
    // Back with its new role, it may not subscribe at all.
    const again = await socketFor(server, changedToken);
    expect((await execute(again, ALERTS)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('does not share between different variables', async () => {
    const server = await startTestServer();
    const alpha = await server.createBank({ count: 4 });
    const bravo = await server.createBank({ count: 4 });
    const ONE_BANK = `subscription ($b: ID) { compartmentUpdated(bankId: $b) { bankId version } }`;
    const a1 = collect(await socketFor(server, await server.tokenFor('STUDENT')), ONE_BANK, { b: alpha.bankId });
    const a2 = collect(await socketFor(server, await server.tokenFor('STUDENT')), ONE_BANK, { b: alpha.bankId });
    const b1 = collect(await socketFor(server, await server.tokenFor('STUDENT')), ONE_BANK, { b: bravo.bankId });
    await sleep(100);
    expect(server.webSockets.fanout.stats()).toMatchObject({ groups: 2, members: 3 });
    for (const bank of [alpha, bravo, alpha]) {
      await server.gql(OUT_OF_SERVICE, { b: bank.bankId, l: 'A01', o: true });
      await server.gql(OUT_OF_SERVICE, { b: bank.bankId, l: 'A01', o: false });
    }
    await a1.until((items) => items.length === 4);
    await b1.until((items) => items.length === 2);
    await sleep(200);
    expect(new Set(a1.items.map((i) => i.data.compartmentUpdated.bankId))).toEqual(new Set([alpha.bankId]));
    expect(a2.items).toEqual(a1.items);
    expect(b1.items.map((i) => i.data.compartmentUpdated.bankId)).toEqual([bravo.bankId, bravo.bankId]);
  });

  it('ends a group when its last subscriber leaves', async () => {
    const server = await startTestServer();
    await server.createBank({ count: 4 });
    // The board cache listens on the same topic for as long as the server runs (graphql/board-cache.ts).
    const before = server.services.bus.listenerCount('compartment:*');
    const client = await socketFor(server, await server.tokenFor('STUDENT'));
    const doors = collect(client, DOORS);
    await sleep(100);
    expect(server.webSockets.fanout.stats()).toMatchObject({ groups: 1, members: 1 });
    doors.unsubscribe();
    await eventually(() => expect(server.webSockets.fanout.stats()).toMatchObject({ groups: 0, members: 0 }));
    expect(server.services.bus.listenerCount('compartment:*')).toBe(before);
  });

  it('lists the fields of the types shared by scope, so a new field gets its resolver checked (fanout.ts)', () => {
    const schema = buildSchema();
    const fields = Object.fromEntries(
      [...SCOPE_ONLY_TYPES].sort().map((name) => {
        const type = schema.getType(name);
        return [name, isObjectType(type) ? Object.keys(type.getFields()).sort() : null];
      }),
    );
    // Each field here reads of the viewer no more than its role, department and kiosk bank.
    expect(fields).toEqual({
      Compartment: [
        'accessible',
        'bank',
        'bankId',
        'charging',
        'door',
        'hasCharging',
        'id',
        'label',
        'occupancy',
        'size',
        'state',
        'updatedAt',
        'version',
      ],
      CompartmentCounts: ['available', 'inUse', 'open', 'total', 'unavailable'],
      ControllerInfo: [
        'capabilities',
        'clockMeasuredAt',
        'clockOffsetMs',
        'clockTrusted',
        'connectedAt',
        'disconnectedAt',
        'firmware',
        'health',
        'model',
        'protocolVersion',
        'serial',
      ],
      LockerBank: [
        'acceptedThroughSeq',
        'compartments',
        'controller',
        'counts',
        'department',
        'events',
        'id',
        'lastSeenAt',
        'location',
        'name',
        'site',
        'status',
        'version',
      ],
      LockerEvent: [
        'bankId',
        'code',
        'compartmentLabel',
        'detail',
        'faultCode',
        'flags',
        'generation',
        'id',
        'kind',
        'occurredAt',
        'receivedAt',
        'rejection',
        'reportedAt',
        'reportedKind',
        'seq',
      ],
      Site: ['banks', 'id', 'name', 'pickupHoldHours', 'timezone'],
      StaffAlert: ['bankId', 'compartmentLabel', 'createdAt', 'id', 'kind', 'message', 'parcelId', 'resolvedAt'],
    });
  });
});
