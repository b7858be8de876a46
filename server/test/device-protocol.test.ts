/**
 * The locker controller protocol (src/devices/PROTOCOL.md) against the real
 * server: real graphql-ws clients, a freshly migrated database each time.
 */
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { closeCode, collect, connected, execute, sleep, startTestServer } from './helpers/server.js';

const REPORT = `mutation ($events: [LockerEventInput!]!) {
  reportLockerEvents(events: $events) { acceptedThroughSeq resendFromSeq stored duplicates rejected { seq reason } }
}`;
const at = () => new Date().toISOString();
const ev = (seq: number, label: string, kind: string) => ({ seq, label, kind, at: at() });

describe('controller connection', () => {
  it('acknowledges a valid device token with the bank, its seq and its labels, and marks the bank online', async () => {
    const server = await startTestServer();
    const { bankId, deviceToken } = await server.createBank({ count: 4 });
    const controller = server.wsClient({ deviceToken });
    const ack = await connected<{ bankId: string; acceptedThroughSeq: number; compartments: { label: string }[] }>(
      controller,
    );
    expect(ack.bankId).toBe(bankId);
    expect(ack.acceptedThroughSeq).toBe(0);
    expect(ack.compartments.map((c) => c.label)).toEqual(['A01', 'B01', 'C01', 'D01']);
    const bank = await server.gql(`query ($id: ID!) { lockerBank(id: $id) { status lastSeenAt } }`, { id: bankId });
    expect(bank.data?.lockerBank).toMatchObject({ status: 'ONLINE' });
  });

  it.each([
    ['a wrong token', { deviceToken: 'bld_not-a-real-token' }],
    ['an empty token', { deviceToken: '' }],
    ['a non-string token', { deviceToken: 42 }],
    ['no token at all', {}],
  ])('closes a controller with %s with 4403 before any data', async (_name, params) => {
    const server = await startTestServer();
    await server.createBank();
    const client = server.wsClient(params);
    expect(await closeCode(client)).toBe(4403);
  });

  it('revokes the old token on rotation: the connected controller is closed with 4403 and cannot come back', async () => {
    const server = await startTestServer();
    const { bankId, deviceToken } = await server.createBank();
    const controller = server.wsClient({ deviceToken });
    await connected(controller);
    const closed = closeCode(controller);
    const rotated = await server.gql(`mutation ($id: ID!) { rotateDeviceToken(bankId: $id) { deviceToken } }`, {
      id: bankId,
    });
    expect(await closed).toBe(4403);
    expect(await closeCode(server.wsClient({ deviceToken }))).toBe(4403);
    const fresh = server.wsClient({ deviceToken: rotated.data.rotateDeviceToken.deviceToken });
    expect((await connected<{ bankId: string }>(fresh)).bankId).toBe(bankId);
  });

  it('lets a connection accepted after the live one replace it (closed with 4000); the new one gets the commands', async () => {
    const server = await startTestServer();
    const { bankId, deviceToken } = await server.createBank();
    const first = server.wsClient({ deviceToken });
    await connected(first);
    const firstClosed = closeCode(first);
    const second = server.wsClient({ deviceToken });
    await connected(second);
    expect(await firstClosed).toBe(4000);
    // Who wins is decided by when the server accepted each socket (PROTOCOL.md 2); the older one's
    // late init is refused with 4002 (test/controller-connection.test.ts).
    const commands = collect(second, `subscription { lockerCommands { id compartmentLabel } }`);
    await sleep(50);
    await server.gql(`mutation ($input: OpenCompartmentInput!) { openCompartment(input: $input) { __typename } }`, {
      input: { bankId, label: 'A01', reason: 'replaced connection' },
    });
    const [cmd] = await commands.until((items) => items.length === 1);
    expect(cmd!.data!.lockerCommands.compartmentLabel).toBe('A01');
  });

  it('shows a bank OFFLINE only after the grace period, and ONLINE again on reconnect, live', async () => {
    const server = await startTestServer({ DEVICE_OFFLINE_GRACE_MS: '400' });
    const { bankId, deviceToken } = await server.createBank();
    const watcher = collect(
      server.wsClient({ authorization: `Bearer ${server.adminToken}` }),
      `subscription { lockerBankUpdated { id status version } }`,
    );
    await sleep(50);
    const controller = server.wsClient({ deviceToken });
    await connected(controller);
    await watcher.until((items) => items.some((i) => i.data?.lockerBankUpdated.status === 'ONLINE'));
    await controller.dispose();
    await sleep(150);
    const during = await server.gql(`query ($id: ID!) { lockerBank(id: $id) { status } }`, { id: bankId });
    expect(during.data.lockerBank.status).toBe('ONLINE');
    await watcher.until((items) => items.some((i) => i.data?.lockerBankUpdated.status === 'OFFLINE'));
    const events = await server.gql(`query ($id: ID!) { lockerEvents(bankId: $id) { kind seq } }`, { id: bankId });
    expect(events.data.lockerEvents.map((e: { kind: string }) => e.kind)).toEqual(['BANK_OFFLINE', 'BANK_ONLINE']);
    const versions = watcher.items.map((i) => i.data!.lockerBankUpdated.version as number);
    expect([...versions].sort((a, b) => a - b)).toEqual(versions);
  });
});

describe('reportLockerEvents', () => {
  async function setup(env: Record<string, string> = {}) {
    const server = await startTestServer(env);
    const bank = await server.createBank({ count: 8 });
    const controller = server.wsClient({ deviceToken: bank.deviceToken });
    await connected(controller);
    const report = (events: unknown[]) => execute(controller, REPORT, { events });
    const storedSeqs = async () => {
      const r = await server.gql(`query ($id: ID!) { lockerEvents(bankId: $id, limit: 500) { seq } }`, {
        id: bank.bankId,
      });
      return (r.data.lockerEvents as { seq: number | null }[])
        .map((e) => e.seq)
        .filter((s): s is number => s !== null)
        .sort((a, b) => a - b);
    };
    return { server, bank, controller, report, storedSeqs };
  }

  it('stores events once: a resent batch is accepted again without effect', async () => {
    const { report, storedSeqs } = await setup();
    const batch = [ev(1, 'A01', 'DOOR_OPENED'), ev(2, 'A01', 'OCCUPIED'), ev(3, 'A01', 'DOOR_CLOSED')];
    const first = await report(batch);
    expect(first.data.reportLockerEvents).toEqual({
      acceptedThroughSeq: 3,
      resendFromSeq: null,
      stored: 3,
      duplicates: 0,
      rejected: [],
    });
    const again = await report(batch);
    expect(again.data.reportLockerEvents).toMatchObject({ acceptedThroughSeq: 3, stored: 0, duplicates: 3 });
    expect(await storedSeqs()).toEqual([1, 2, 3]);
  });

  it('applies a batch in seq order whatever order it arrives in', async () => {
    const { server, bank, report } = await setup();
    const res = await report([ev(3, 'B01', 'DOOR_CLOSED'), ev(1, 'B01', 'DOOR_OPENED'), ev(2, 'B01', 'OCCUPIED')]);
    expect(res.data.reportLockerEvents.acceptedThroughSeq).toBe(3);
    const c = await server.gql(
      `query ($id: ID!) { lockerBank(id: $id) { compartments { label door occupancy state } } }`,
      {
        id: bank.bankId,
      },
    );
    expect(c.data.lockerBank.compartments.find((x: { label: string }) => x.label === 'B01')).toEqual({
      label: 'B01',
      door: 'CLOSED',
      occupancy: 'OCCUPIED',
      state: 'IN_USE',
    });
  });

  it('answers a gap with where to resend from, and stores nothing past the gap', async () => {
    const { report, storedSeqs } = await setup();
    await report([ev(1, 'A01', 'DOOR_OPENED')]);
    const gap = await report([ev(2, 'A01', 'DOOR_CLOSED'), ev(4, 'A01', 'DOOR_OPENED'), ev(5, 'A01', 'DOOR_CLOSED')]);
    expect(gap.data.reportLockerEvents).toMatchObject({ acceptedThroughSeq: 2, resendFromSeq: 3, stored: 1 });
    const fixed = await report([ev(3, 'A01', 'DOOR_CLOSED'), ev(4, 'A01', 'DOOR_OPENED'), ev(5, 'A01', 'DOOR_CLOSED')]);
    expect(fixed.data.reportLockerEvents).toMatchObject({ acceptedThroughSeq: 5, resendFromSeq: null, stored: 3 });
    expect(await storedSeqs()).toEqual([1, 2, 3, 4, 5]);
  });

  it('keeps an event for an unknown label, consumes its seq, changes nothing, and says so', async () => {
    const { server, bank, report } = await setup();
    const other = await server.createBank({ count: 16 }); // has C04, which `bank` (8 doors) lacks
    const res = await report([ev(1, 'C04', 'DOOR_OPENED'), ev(2, 'A01', 'DOOR_OPENED')]);
    expect(res.data.reportLockerEvents).toMatchObject({
      acceptedThroughSeq: 2,
      stored: 2,
      rejected: [{ seq: 1, reason: 'UNKNOWN_COMPARTMENT' }],
    });
    const otherBank = await server.gql(`query ($id: ID!) { lockerBank(id: $id) { compartments { label door } } }`, {
      id: other.bankId,
    });
    expect(otherBank.data.lockerBank.compartments.every((c: { door: string }) => c.door === 'CLOSED')).toBe(true);
    const log = await server.gql(`query ($id: ID!) { lockerEvents(bankId: $id) { seq compartmentLabel } }`, {
      id: bank.bankId,
    });
    expect(log.data.lockerEvents).toContainEqual({ seq: 1, compartmentLabel: 'C04' });
  });

  it('refuses a batch over the size limit as a whole, with BAD_USER_INPUT, storing nothing', async () => {
    const { report, storedSeqs } = await setup({ DEVICE_BATCH_LIMIT: '10' });
    const res = await report(
      Array.from({ length: 11 }, (_, i) => ev(i + 1, 'A01', i % 2 ? 'DOOR_CLOSED' : 'DOOR_OPENED')),
    );
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0]?.message).toMatch(/At most 10 events/);
    expect(await storedSeqs()).toEqual([]);
  });

  it.each([
    ['a zero seq', [ev(0, 'A01', 'DOOR_OPENED')]],
    ['a fractional seq', [{ ...ev(1, 'A01', 'DOOR_OPENED'), seq: 1.5 }]],
    ['an empty batch', []],
  ])('refuses %s with a coded error and keeps running', async (_name, events) => {
    const { report, storedSeqs } = await setup();
    const res = await report(events);
    expect(res.errors?.[0]?.extensions?.code).toMatch(/BAD_USER_INPUT|GRAPHQL_VALIDATION_FAILED/);
    expect(await storedSeqs()).toEqual([]);
    expect((await report([ev(1, 'A01', 'DOOR_OPENED')])).data.reportLockerEvents.stored).toBe(1);
  });

  // These once refused the whole batch; now the event is stored without effect and the next one flows.
  it.each([
    ['a label too long', ev(1, 'A'.repeat(40), 'DOOR_OPENED'), 'INVALID_LABEL'],
    ['an invalid time', { ...ev(1, 'A01', 'DOOR_OPENED'), at: 'yesterday' }, 'INVALID_TIME'],
    ['a server-only kind', ev(1, 'A01', 'BANK_ONLINE'), 'UNKNOWN_KIND'],
  ])('stores %s without effect, says why, and applies the next event', async (_name, bad, reason) => {
    const { server, bank, report, storedSeqs } = await setup();
    const res = await report([bad, ev(2, 'A02', 'DOOR_OPENED')]);
    expect(res.data.reportLockerEvents).toMatchObject({
      acceptedThroughSeq: 2,
      stored: 2,
      rejected: [{ seq: 1, reason }],
    });
    expect(await storedSeqs()).toEqual([1, 2]);
    const doors = await server.gql(`query ($id: ID!) { lockerBank(id: $id) { compartments { label door } } }`, {
      id: bank.bankId,
    });
    const open = doors.data.lockerBank.compartments.filter((c: { door: string }) => c.door === 'OPEN');
    expect(open).toEqual([{ label: 'A02', door: 'OPEN' }]);
  });

  it('cuts a detail too long to 500 characters, applies the event and flags it TRUNCATED', async () => {
    const { server, bank, controller } = await setup();
    const res = await execute(
      controller,
      `mutation ($events: [LockerEventInput!]!) { reportLockerEvents(events: $events) { stored rejected { seq } flagged { seq flag } } }`,
      { events: [{ ...ev(1, 'A01', 'FAULT'), detail: 'x'.repeat(501) }] },
    );
    expect(res.data.reportLockerEvents).toEqual({ stored: 1, rejected: [], flagged: [{ seq: 1, flag: 'TRUNCATED' }] });
    const log = await server.gql(`query ($id: ID!) { lockerEvents(bankId: $id) { seq detail flags } }`, {
      id: bank.bankId,
    });
    const fault = log.data.lockerEvents.find((e: { seq: number | null }) => e.seq === 1);
    expect(fault).toEqual({ seq: 1, detail: 'x'.repeat(500), flags: ['TRUNCATED'] });
  });

  it('refuses device operations to people and person queries to controllers', async () => {
    const { server, controller } = await setup();
    const person = server.wsClient({ authorization: `Bearer ${server.adminToken}` });
    const asPerson = await execute(person, REPORT, { events: [ev(1, 'A01', 'DOOR_OPENED')] });
    expect(asPerson.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const asDevice = await execute(controller, `{ sites { id } }`);
    expect(asDevice.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('pushes the new compartment state to subscribers within milliseconds, versions growing', async () => {
    const { server, bank, report } = await setup();
    const student = server.wsClient({ authorization: `Bearer ${await server.tokenFor('STUDENT')}` });
    const updates = collect(
      student,
      `subscription ($b: ID) { compartmentUpdated(bankId: $b) { label door version } }`,
      {
        b: bank.bankId,
      },
    );
    await sleep(50);
    const sent = Date.now();
    await report([ev(1, 'A01', 'DOOR_OPENED')]);
    await updates.until((items) => items.length === 1, 1_000);
    expect(Date.now() - sent).toBeLessThan(1_000);
    await report([ev(2, 'A01', 'DOOR_CLOSED')]);
    await updates.until((items) => items.length === 2);
    expect(updates.items.map((i) => i.data?.compartmentUpdated)).toEqual([
      { label: 'A01', door: 'OPEN', version: 2 },
      { label: 'A01', door: 'CLOSED', version: 3 },
    ]);
  });
});

describe('bad frames', () => {
  it('closes a socket sending non-JSON with 4400 and keeps serving others', async () => {
    const server = await startTestServer();
    const raw = new WebSocket(server.wsUrl, 'graphql-transport-ws');
    await new Promise((r) => raw.once('open', r));
    const code = new Promise<number>((r) => raw.once('close', (c) => r(c)));
    raw.send('this is not json{');
    expect(await code).toBe(4400);
    const health = await fetch(server.url.replace('/graphql', '/healthz'));
    expect(health.status).toBe(200);
  });

  it('closes a socket sending an oversized frame with 1009', async () => {
    // The frame limit must hold a full batch of events (PROTOCOL.md 3, Limits): 1 MiB by default.
    const server = await startTestServer();
    const raw = new WebSocket(server.wsUrl, 'graphql-transport-ws');
    raw.on('error', () => {});
    await new Promise((r) => raw.once('open', r));
    const code = new Promise<number>((r) => raw.once('close', (c) => r(c)));
    raw.send(JSON.stringify({ type: 'connection_init', payload: { deviceToken: 'x'.repeat(1024 * 1024 + 1) } }));
    expect(await code).toBe(1009);
    const res = await server.gql(`{ sites { id } }`);
    expect(res.data).toEqual({ sites: [] });
  });

  it('closes a person subscriber without a token with 4403 and sends no data', async () => {
    const server = await startTestServer();
    await server.createBank();
    const anon = server.wsClient({});
    const updates = collect(anon, `subscription { compartmentUpdated { id } }`);
    expect(await closeCode(anon)).toBe(4403);
    expect(updates.items).toEqual([]);
  });
});
