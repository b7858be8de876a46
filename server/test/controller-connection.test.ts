/**
 * The controller's connection (src/devices/PROTOCOL.md 1, 2, 5, 7, 8, 9)
 * against the real server: the handshake and its ack, who wins between two
 * connections of one token, presence and commands, keep-alive, health
 * reports, late answers, and version 1 controllers.
 */
import { readFileSync } from 'node:fs';
import type { Client } from 'graphql-ws';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { closeCode, collect, connected, execute, sleep, startTestServer, TestClock } from './helpers/server.js';

const ROOT_VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

const COMMANDS = `subscription Commands {
  lockerCommands { id kind compartmentLabel issuedAt expiresAt ttlMs tokenId depositId via }
}`;
const ACK = `mutation Ack($id: ID!, $outcome: CommandOutcome!, $detail: String) {
  acknowledgeCommand(id: $id, outcome: $outcome, detail: $detail) {
    command { id status outcome outcomeDetail acknowledgedAt acknowledgedLate }
  }
}`;
const OPEN = `mutation ($input: OpenCompartmentInput!) {
  openCompartment(input: $input) {
    __typename
    ... on CommandIssued { command { id status } }
    ... on OpenRefused { reason message }
  }
}`;
const HEALTH = `mutation Health($input: ControllerHealthInput!) {
  reportControllerHealth(input: $input) { serverTime clockOffsetMs }
}`;
const CONTROLLER = `query ($id: ID!) {
  lockerBank(id: $id) {
    status lastSeenAt
    controller {
      protocolVersion model serial firmware capabilities connectedAt disconnectedAt
      clockOffsetMs clockMeasuredAt clockTrusted
      health { receivedAt uptimeSeconds outboxDepth signalDbm firmware power batteryPercent temperatureC }
    }
  }
}`;
const ALERTS = `{ staffAlerts { kind bankId compartmentLabel message resolvedAt } }`;

type Server = Awaited<ReturnType<typeof startTestServer>>;

const v2Init = (deviceToken: string, time: Date = new Date(), extra: Record<string, unknown> = {}) => ({
  deviceToken,
  protocolVersion: 2,
  controller: {
    model: 'Acme LB-24',
    serial: 'LB24-000193',
    firmware: '3.4.1',
    capabilities: ['KEYPAD', 'QR_READER', 'HEALTH_REPORT', 'WARP_DRIVE'],
    time: time.toISOString(),
    ...extra,
  },
});

/** The close event of a client's socket, with its reason. */
function closeEvent(client: Client) {
  return new Promise<{ code: number; reason: string }>((resolve) =>
    client.on('closed', (e) => {
      const { code, reason } = e as { code: number; reason: string };
      resolve({ code, reason });
    }),
  );
}

async function controllerOf(server: Server, bankId: string) {
  const r = await server.gql(CONTROLLER, { id: bankId });
  if (!r.data) throw new Error(JSON.stringify(r.errors));
  return r.data.lockerBank;
}

async function alertsOf(server: Server, kind: string) {
  const r = await server.gql(ALERTS);
  return (r.data.staffAlerts as { kind: string; bankId: string; message: string }[]).filter((a) => a.kind === kind);
}

const staffOpen = (server: Server, bankId: string, label: string, token?: string) =>
  server.gql(OPEN, { input: { bankId, label, reason: 'test opening' } }, token);

async function waitFor<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out; last ${JSON.stringify(value)}`);
    await sleep(25);
  }
}

describe('connection_init and connection_ack (PROTOCOL.md 1)', () => {
  it('negotiates version 2 and acks the server, limits, generation, seq and clock offset; stores what the controller said', async () => {
    const server = await startTestServer({ WS_KEEPALIVE_MS: '9000', DEVICE_OFFLINE_GRACE_MS: '400' });
    const { bankId, deviceToken } = await server.createBank({ name: 'Library', count: 2 });
    const controller = server.wsClient(v2Init(deviceToken, new Date(Date.now() - 5_000)));
    const ack = await connected<Record<string, any>>(controller);
    expect(ack).toMatchObject({
      protocolVersion: 2,
      deprecation: null,
      server: { name: 'baylight', version: ROOT_VERSION, protocolVersions: [1, 2] },
      limits: {
        maxBatchEvents: 500,
        maxEventBytes: 1536,
        maxFrameBytes: 1024 * 1024,
        maxLabelLength: 16,
        maxDetailLength: 500,
        maxCodeLength: 32,
        maxKindLength: 64,
        keepAliveMs: 9000,
        offlineGraceMs: 400,
        healthIntervalSeconds: 300,
        clockToleranceSeconds: 30,
        clockMaxAheadSeconds: 300,
        eventMaxAgeHours: 720,
        qrClockSkewSeconds: 300,
      },
      bankId,
      bankName: 'Library',
      generation: 1,
      acceptedThroughSeq: 0,
      compartments: [
        { label: 'A01', depositId: null },
        { label: 'B01', depositId: null },
      ],
      revokedPickupTokens: [],
    });
    expect(Math.abs(Date.parse(ack.server.time) - Date.now())).toBeLessThan(5_000);
    expect(ack.clockOffsetMs).toBeGreaterThan(-7_000);
    expect(ack.clockOffsetMs).toBeLessThan(-4_000);
    expect(ack.pickupKeys.length).toBeGreaterThan(0);

    const bank = await controllerOf(server, bankId);
    expect(bank.status).toBe('ONLINE');
    expect(bank.controller).toMatchObject({
      protocolVersion: 2,
      model: 'Acme LB-24',
      serial: 'LB24-000193',
      firmware: '3.4.1',
      capabilities: ['KEYPAD', 'QR_READER', 'HEALTH_REPORT', 'WARP_DRIVE'],
      disconnectedAt: null,
      clockOffsetMs: ack.clockOffsetMs,
      clockTrusted: true,
      health: null,
    });
    expect(bank.controller.connectedAt).not.toBeNull();
    expect(await alertsOf(server, 'CLOCK_OFF')).toEqual([]);

    await controller.dispose();
    const after = await waitFor(
      () => controllerOf(server, bankId),
      (b) => b.controller.disconnectedAt !== null,
    );
    expect(Date.parse(after.controller.disconnectedAt)).toBeGreaterThanOrEqual(Date.parse(bank.controller.connectedAt));
  });

  it('speaks the lower version: a controller stating version 7 is answered in version 2', async () => {
    const server = await startTestServer();
    const { deviceToken } = await server.createBank();
    const ack = await connected<{ protocolVersion: number; deprecation: unknown }>(
      server.wsClient({ ...v2Init(deviceToken), protocolVersion: 7 }),
    );
    expect(ack).toMatchObject({ protocolVersion: 2, deprecation: null });
  });

  it.each([
    ['protocolVersion', { protocolVersion: 0 }],
    ['protocolVersion', { protocolVersion: 2.5 }],
    ['protocolVersion', { protocolVersion: 'two' }],
    ['controller.model', { controller: { model: 'M'.repeat(101) } }],
    ['controller.capabilities', { controller: { capabilities: 'KEYPAD,QR_READER' } }],
    ['controller.capabilities[0]', { controller: { capabilities: [{ name: 'KEYPAD' }] } }],
    ['controller.capabilities', { controller: { capabilities: Array.from({ length: 33 }, (_, i) => `CAP_${i}`) } }],
    ['controller.time', { controller: { time: '2026-11-27T08:00:00' } }],
  ])('closes a connection_init with a malformed %s with 4400 naming it, and stays up', async (field, payload) => {
    const server = await startTestServer();
    const { bankId, deviceToken } = await server.createBank();
    const client = server.wsClient({ deviceToken, protocolVersion: 2, ...payload });
    const closed = await closeEvent(client);
    expect(closed.code).toBe(4400);
    expect(closed.reason).toContain(field);
    const bank = await server.gql(`query ($id: ID!) { lockerBank(id: $id) { status controller { model } } }`, {
      id: bankId,
    });
    expect(bank.data.lockerBank).toEqual({ status: 'OFFLINE', controller: null });
    // The server still takes a well-formed one.
    expect((await connected<{ bankId: string }>(server.wsClient(v2Init(deviceToken)))).bankId).toBe(bankId);
  });

  it('answers a wrong token with 4403 even when the rest of the payload is malformed', async () => {
    const server = await startTestServer();
    await server.createBank();
    expect(await closeCode(server.wsClient({ deviceToken: 'bld_wrong', protocolVersion: 'x' }))).toBe(4403);
  });

  it('never lets a malformed connection_init unseat the live connection', async () => {
    const server = await startTestServer();
    const { bankId, deviceToken } = await server.createBank();
    const live = server.wsClient(v2Init(deviceToken));
    await connected(live);
    const commands = collect(live, COMMANDS);
    await sleep(50);
    const bad = server.wsClient({ deviceToken, protocolVersion: 0 });
    expect(await closeCode(bad)).toBe(4400);
    expect((await staffOpen(server, bankId, 'A01')).data.openCompartment.__typename).toBe('CommandIssued');
    await commands.until((items) => items.length === 1);
  });
});

describe('who wins between two connections of one token (PROTOCOL.md 2)', () => {
  it('refuses an init on a socket accepted before the live one with 4002; the live one keeps the bank and its commands', async () => {
    const server = await startTestServer();
    const { bankId, deviceToken } = await server.createBank();
    // A: accepted first, its init delayed (a timed-out attempt's init arriving late).
    const a = new WebSocket(server.wsUrl, 'graphql-transport-ws');
    await new Promise((resolve) => a.once('open', resolve));
    // B: accepted after A, and live.
    const b = server.wsClient(v2Init(deviceToken));
    await connected(b);
    let bClosed = false;
    b.on('closed', () => (bClosed = true));
    const aClosed = new Promise<{ code: number; reason: string }>((resolve) =>
      a.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    a.send(JSON.stringify({ type: 'connection_init', payload: v2Init(deviceToken) }));
    expect((await aClosed).code).toBe(4002);

    const commands = collect(b, COMMANDS);
    await sleep(50);
    expect((await staffOpen(server, bankId, 'A01')).data.openCompartment.__typename).toBe('CommandIssued');
    const [first] = await commands.until((items) => items.length === 1);
    const ack = await execute(b, ACK, { id: first!.data!.lockerCommands.id, outcome: 'OPENED' });
    expect(ack.data.acknowledgeCommand.command.status).toBe('DONE');
    expect(bClosed).toBe(false);
    expect(server.services.devices.isConnected(bankId)).toBe(true);
  });

  it('lets an init on a socket accepted after the live one replace it (4000), even when the older socket says nothing more', async () => {
    const server = await startTestServer();
    const { bankId, deviceToken } = await server.createBank();
    const a = server.wsClient(v2Init(deviceToken));
    await connected(a);
    const aClosed = closeCode(a);
    const b = server.wsClient(v2Init(deviceToken));
    await connected(b);
    expect(await aClosed).toBe(4000);
    const commands = collect(b, COMMANDS);
    await sleep(50);
    await staffOpen(server, bankId, 'B01');
    const [first] = await commands.until((items) => items.length === 1);
    expect(first!.data!.lockerCommands.compartmentLabel).toBe('B01');
  });
});

describe('ONLINE means commands reach the controller (PROTOCOL.md 2, 5)', () => {
  it('keeps an open issued 2 s after a reconnect, before the new socket subscribed, and sends it on subscribe', async () => {
    const server = await startTestServer({ DEVICE_OFFLINE_GRACE_MS: '5000' });
    const { bankId, deviceToken } = await server.createBank();
    const first = server.wsClient(v2Init(deviceToken));
    await connected(first);
    collect(first, COMMANDS);
    await sleep(50);
    await first.dispose();
    const second = server.wsClient(v2Init(deviceToken));
    await connected(second);
    await sleep(2_000);
    const open = await staffOpen(server, bankId, 'A01');
    expect(open.data.openCompartment).toMatchObject({ __typename: 'CommandIssued', command: { status: 'PENDING' } });
    const commands = collect(second, COMMANDS);
    const [got] = await commands.until((items) => items.length === 1);
    expect(got!.data!.lockerCommands).toMatchObject({
      id: open.data.openCompartment.command.id,
      kind: 'OPEN_COMPARTMENT',
      compartmentLabel: 'A01',
      via: 'STAFF_OVERRIDE',
    });
    expect(got!.data!.lockerCommands.ttlMs).toBeGreaterThan(20_000);
  });

  it('keeps an open issued during the grace period, before the controller is back, and sends it when it subscribes', async () => {
    const server = await startTestServer({ DEVICE_OFFLINE_GRACE_MS: '5000' });
    const { bankId, deviceToken } = await server.createBank();
    const first = server.wsClient(v2Init(deviceToken));
    await connected(first);
    collect(first, COMMANDS);
    await sleep(50);
    await first.dispose();
    await sleep(2_000);
    expect((await controllerOf(server, bankId)).status).toBe('ONLINE');
    const open = await staffOpen(server, bankId, 'B01');
    expect(open.data.openCompartment.__typename).toBe('CommandIssued');
    const back = server.wsClient(v2Init(deviceToken));
    await connected(back);
    const commands = collect(back, COMMANDS);
    const [got] = await commands.until((items) => items.length === 1);
    expect(got!.data!.lockerCommands.id).toBe(open.data.openCompartment.command.id);
    await sleep(100);
    expect(commands.items).toHaveLength(1);
  });

  it('refuses an open for an OFFLINE bank, and sends none of what was kept once it went OFFLINE', async () => {
    const server = await startTestServer({ DEVICE_OFFLINE_GRACE_MS: '300' });
    const { bankId, deviceToken } = await server.createBank();
    const first = server.wsClient(v2Init(deviceToken));
    await connected(first);
    // Kept while ONLINE although nobody subscribed yet …
    const kept = await staffOpen(server, bankId, 'A01');
    expect(kept.data.openCompartment.__typename).toBe('CommandIssued');
    await first.dispose();
    await waitFor(
      () => controllerOf(server, bankId),
      (b) => b.status === 'OFFLINE',
    );
    // … and dropped when the bank went OFFLINE; now nothing is taken.
    const refused = await staffOpen(server, bankId, 'A01');
    expect(refused.data.openCompartment).toMatchObject({ __typename: 'OpenRefused', reason: 'BANK_OFFLINE' });
    expect((await server.services.devices.getCommand(kept.data.openCompartment.command.id))?.status).toBe('EXPIRED');
    const back = server.wsClient(v2Init(deviceToken));
    await connected(back);
    const commands = collect(back, COMMANDS);
    await sleep(300);
    expect(commands.items).toEqual([]);
  });

  it('delivers a REVOKE_PICKUP_TOKEN expiring 40 days ahead with its id and a ttlMs beyond 2^31', async () => {
    const server = await startTestServer();
    const { bankId, deviceToken } = await server.createBank();
    const controller = server.wsClient(v2Init(deviceToken));
    await connected(controller);
    const compartment = (await server.services.lockers.findCompartment(bankId, 'A01'))!;
    const fortyDays = 40 * 24 * 3_600_000;
    // Before the subscription: kept, as the bank is ONLINE.
    await server.services.devices.sendRevocation(
      bankId,
      compartment.id,
      'A01',
      'qr_test_jti',
      new Date(Date.now() + fortyDays),
    );
    const commands = collect(controller, COMMANDS);
    const [got] = await commands.until((items) => items.length === 1);
    expect(got!.errors).toBeUndefined();
    const cmd = got!.data!.lockerCommands;
    expect(cmd).toMatchObject({ kind: 'REVOKE_PICKUP_TOKEN', tokenId: 'qr_test_jti', compartmentLabel: 'A01' });
    expect(cmd.id).toMatch(/^cmd_/);
    expect(cmd.ttlMs).toBeGreaterThan(2 ** 31);
    expect(cmd.ttlMs).toBeLessThanOrEqual(fortyDays);
    const ack = await execute(controller, ACK, { id: cmd.id, outcome: 'DONE' });
    expect(ack.data.acknowledgeCommand.command).toMatchObject({ status: 'DONE', acknowledgedLate: false });
    expect(await alertsOf(server, 'COMMAND_FAILED')).toEqual([]);
  });

  it('stores no revocation for an OFFLINE bank (its next ack lists the token)', async () => {
    const server = await startTestServer();
    const { bankId } = await server.createBank();
    const compartment = (await server.services.lockers.findCompartment(bankId, 'A01'))!;
    await server.services.devices.sendRevocation(
      bankId,
      compartment.id,
      'A01',
      'qr_offline',
      new Date(Date.now() + 60_000),
    );
    const { db } = server.services;
    const rows = await db.read.select().from(db.tables.lockerCommands);
    expect(rows).toEqual([]);
  });
});

describe('one lockerCommands per connection (PROTOCOL.md 5)', () => {
  it('refuses a second subscription with ALREADY_SUBSCRIBED, never delivers a command twice on one connection, and allows a new one after the first completed', async () => {
    const server = await startTestServer();
    const { bankId, deviceToken } = await server.createBank();
    const controller = server.wsClient(v2Init(deviceToken));
    await connected(controller);
    const first = collect(controller, COMMANDS);
    await sleep(50);
    const second = collect(controller, COMMANDS);
    await waitFor(
      () => Promise.resolve(second.error),
      (e) => e !== null,
    );
    expect((second.error as { extensions?: { code?: string } }[])[0]?.extensions?.code).toBe('ALREADY_SUBSCRIBED');

    const one = await staffOpen(server, bankId, 'A01');
    await first.until((items) => items.length === 1);
    await sleep(150);
    expect(first.items).toHaveLength(1);
    expect(first.error).toBeNull();

    // The first completes; a new one on the same connection is allowed, and the
    // command already sent here (not yet answered) is not sent again.
    first.unsubscribe();
    await sleep(50);
    const third = collect(controller, COMMANDS);
    await sleep(100);
    const two = await staffOpen(server, bankId, 'B01');
    await third.until((items) => items.length >= 1);
    await sleep(150);
    expect(third.error).toBeNull();
    expect(third.items.map((i) => i.data?.lockerCommands.id)).toEqual([two.data.openCompartment.command.id]);
    expect(first.items[0]!.data!.lockerCommands.id).toBe(one.data.openCompartment.command.id);
  });
});

describe('keep-alive (PROTOCOL.md 2)', () => {
  it('counts pongs as signs of life: last_seen_at moves while the controller sends nothing', async () => {
    const server = await startTestServer({ WS_KEEPALIVE_MS: '150' });
    const { bankId, deviceToken } = await server.createBank();
    const controller = server.wsClient(v2Init(deviceToken));
    await connected(controller);
    const seenAt = async () => Date.parse((await controllerOf(server, bankId)).lastSeenAt);
    const atAck = await seenAt();
    await waitFor(seenAt, (t) => t > atAck, 3_000);
  });

  it('updates last_seen_at on messages at most once per keep-alive interval per bank', async () => {
    const clock = new TestClock();
    const server = await startTestServer({ WS_KEEPALIVE_MS: '60000' }, { clock });
    const { bankId, deviceToken } = await server.createBank();
    const controller = server.wsClient(v2Init(deviceToken));
    await connected(controller);
    // The write a message leads to is queued behind the bank's others: read once they have run.
    const seenAt = async () => {
      await server.services.devices.settled(bankId);
      return (await server.services.lockers.store.getBank(bankId))!.lastSeenAt!.getTime();
    };
    const atAck = await seenAt();
    const message = () => execute(controller, ACK, { id: 'cmd_none', outcome: 'DONE' });
    clock.advance(10_000);
    for (let i = 0; i < 5; i++) await message();
    expect(await seenAt()).toBe(atAck);
    clock.advance(51_000);
    await message();
    expect(await seenAt()).toBeGreaterThanOrEqual(atAck + 61_000);
    const moved = await seenAt();
    await message();
    expect(await seenAt()).toBe(moved);
  });
});

describe('reportControllerHealth (PROTOCOL.md 2)', () => {
  it('stores the report, measures the clock from `at`, answers the server time, and raises one CLOCK_OFF', async () => {
    const server = await startTestServer();
    const { bankId, deviceToken } = await server.createBank({ name: 'Science' });
    const controller = server.wsClient(v2Init(deviceToken));
    await connected(controller);
    const input = {
      at: new Date(Date.now() + 45_000).toISOString(),
      uptimeSeconds: 86_400,
      outboxDepth: 3,
      signalDbm: -71,
      firmware: '3.4.2',
      power: 'BATTERY',
      batteryPercent: 88,
      temperatureC: 24.5,
    };
    const res = await execute(controller, HEALTH, { input });
    expect(res.errors).toBeUndefined();
    const answer = res.data.reportControllerHealth;
    expect(Math.abs(Date.parse(answer.serverTime) - Date.now())).toBeLessThan(5_000);
    expect(answer.clockOffsetMs).toBeGreaterThan(43_000);
    expect(answer.clockOffsetMs).toBeLessThan(46_000);

    const bank = await controllerOf(server, bankId);
    expect(bank.controller).toMatchObject({
      clockOffsetMs: answer.clockOffsetMs,
      clockTrusted: false,
      health: {
        uptimeSeconds: 86_400,
        outboxDepth: 3,
        signalDbm: -71,
        firmware: '3.4.2',
        power: 'BATTERY',
        batteryPercent: 88,
        temperatureC: 24.5,
      },
    });
    expect(bank.controller.health.receivedAt).not.toBeNull();
    await execute(controller, HEALTH, { input: { at: new Date(Date.now() + 50_000).toISOString() } });
    const alerts = await alertsOf(server, 'CLOCK_OFF');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ bankId });
    expect(alerts[0]!.message).toMatch(/Science.*ahead/);

    // A clock set right again is trusted again.
    await execute(controller, HEALTH, { input: { at: new Date().toISOString() } });
    expect((await controllerOf(server, bankId)).controller.clockTrusted).toBe(true);
  });

  it.each([
    ['at', { at: '2026-11-27T08:05:00' }],
    ['at', { at: 'yesterday' }],
    ['uptimeSeconds', { uptimeSeconds: -1 }],
    ['outboxDepth', { outboxDepth: -5 }],
    ['signalDbm', { signalDbm: 20 }],
    ['batteryPercent', { batteryPercent: 101 }],
    ['temperatureC', { temperatureC: 1_000 }],
    ['firmware', { firmware: 'v'.repeat(101) }],
  ])('refuses a report with a bad %s with BAD_USER_INPUT naming it, storing nothing', async (field, bad) => {
    const server = await startTestServer();
    const { bankId, deviceToken } = await server.createBank();
    const controller = server.wsClient(v2Init(deviceToken));
    await connected(controller);
    const res = await execute(controller, HEALTH, { input: { at: new Date().toISOString(), ...bad } });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect((await controllerOf(server, bankId)).controller.health).toBeNull();
    const ok = await execute(controller, HEALTH, { input: { at: new Date().toISOString() } });
    expect(ok.data.reportControllerHealth.clockOffsetMs).toBeDefined();
  });

  it('is for controllers only', async () => {
    const server = await startTestServer();
    const person = server.wsClient({ authorization: `Bearer ${server.adminToken}` });
    const res = await execute(person, HEALTH, { input: { at: new Date().toISOString() } });
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('LockerBank.controller', () => {
  it('is shown to operators and the owning department, and refused to others', async () => {
    const server = await startTestServer();
    const { bankId, deviceToken } = await server.createBank({ department: 'Physics' });
    await connected(server.wsClient(v2Init(deviceToken)));
    const query = `query ($id: ID!) { lockerBank(id: $id) { controller { model } } }`;
    for (const token of [await server.tokenFor('IT'), await server.tokenFor('DEPARTMENT', { department: 'Physics' })]) {
      const r = await server.gql(query, { id: bankId }, token);
      expect(r.data.lockerBank.controller).toEqual({ model: 'Acme LB-24' });
    }
    const student = await server.gql(query, { id: bankId }, await server.tokenFor('STUDENT'));
    expect(student.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(student.data?.lockerBank?.controller ?? null).toBeNull();
  });
});

describe('answers to commands (PROTOCOL.md 5)', () => {
  async function setup() {
    const server = await startTestServer();
    const bank = await server.createBank({ name: 'North Hall' });
    const controller = server.wsClient(v2Init(bank.deviceToken));
    await connected(controller);
    const commands = collect(controller, COMMANDS);
    await sleep(50);
    return { server, ...bank, controller, commands };
  }

  it('records a late OPENED for an expired command: DONE and acknowledgedLate; the first answer counts', async () => {
    const { server, bankId, controller, commands } = await setup();
    const issued = await server.services.devices.requestOpen({
      bankId,
      label: 'A01',
      via: 'REMOTE',
      requestedBy: null,
      reason: null,
      ttlMs: 200,
    });
    expect(issued.__typename).toBe('CommandIssued');
    const [got] = await commands.until((items) => items.length === 1);
    const id = got!.data!.lockerCommands.id;
    await sleep(300);
    await server.services.devices.expireOverdueCommands();
    expect((await server.services.devices.getCommand(id))?.status).toBe('EXPIRED');
    const late = await execute(controller, ACK, { id, outcome: 'OPENED', detail: 'opened on a slow link' });
    expect(late.data.acknowledgeCommand.command).toMatchObject({
      id,
      status: 'DONE',
      outcome: 'OPENED',
      outcomeDetail: 'opened on a slow link',
      acknowledgedLate: true,
    });
    expect(late.data.acknowledgeCommand.command.acknowledgedAt).not.toBeNull();
    const again = await execute(controller, ACK, { id, outcome: 'FAILED', detail: 'second answer' });
    expect(again.data.acknowledgeCommand.command).toMatchObject({ status: 'DONE', outcome: 'OPENED' });
    expect(await alertsOf(server, 'COMMAND_FAILED')).toEqual([]);
  });

  it('raises COMMAND_FAILED for an opening answered FAILED or UNKNOWN_COMPARTMENT, naming bank, door, via, who asked and why', async () => {
    const { server, bankId, controller, commands } = await setup();
    const itToken = await server.tokenFor('IT');
    const me = await server.gql(`{ me { name } }`, {}, itToken);
    const name = me.data.me.name as string;
    await server.gql(OPEN, { input: { bankId, label: 'B01', reason: 'stuck laptop' } }, itToken);
    const [got] = await commands.until((items) => items.length === 1);
    const failed = await execute(controller, ACK, {
      id: got!.data!.lockerCommands.id,
      outcome: 'FAILED',
      detail: 'solenoid current 0 mA',
    });
    expect(failed.data.acknowledgeCommand.command).toMatchObject({ status: 'FAILED', acknowledgedLate: false });
    let alerts = await alertsOf(server, 'COMMAND_FAILED');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ bankId, compartmentLabel: 'B01' });
    for (const part of ['North Hall', 'B01', 'STAFF_OVERRIDE', name, 'stuck laptop', 'solenoid current 0 mA']) {
      expect(alerts[0]!.message).toContain(part);
    }

    await server.services.devices.requestOpen({
      bankId,
      label: 'A01',
      via: 'CODE',
      requestedBy: null,
      reason: null,
      ttlMs: 30_000,
    });
    const [, second] = await commands.until((items) => items.length === 2);
    await execute(controller, ACK, { id: second!.data!.lockerCommands.id, outcome: 'UNKNOWN_COMPARTMENT' });
    alerts = await alertsOf(server, 'COMMAND_FAILED');
    expect(alerts).toHaveLength(2);
    const unknown = alerts.find((a) => a.message.includes('A01'))!;
    expect(unknown.message).toMatch(/no such door/);
    expect(unknown.message).toContain('CODE');
    expect(unknown.message).toContain('the system');
  });
});

describe('protocol version 1 (PROTOCOL.md 9)', () => {
  it('accepts a version 1 controller (no protocolVersion): ack in version 1 with a deprecation; it receives and answers commands', async () => {
    const server = await startTestServer();
    const { bankId, deviceToken } = await server.createBank();
    const controller = server.wsClient({ deviceToken });
    const ack = await connected<Record<string, any>>(controller);
    expect(ack).toMatchObject({ protocolVersion: 1, bankId, acceptedThroughSeq: 0, clockOffsetMs: null });
    expect(ack.deprecation).toMatch(/deprecated/);
    expect(ack.compartments.length).toBeGreaterThan(0);
    const info = await controllerOf(server, bankId);
    expect(info.controller).toMatchObject({ protocolVersion: 1, model: null, capabilities: [], clockTrusted: false });

    // Version 1's documents, as written then.
    const commands = collect(
      controller,
      `subscription { lockerCommands { id kind compartmentLabel expiresAt ttlMs } }`,
    );
    await sleep(50);
    await staffOpen(server, bankId, 'A01');
    const [got] = await commands.until((items) => items.length === 1);
    const answer = await execute(
      controller,
      `mutation ($id: ID!) { acknowledgeCommand(id: $id, outcome: OPENED) { command { id status } } }`,
      { id: got!.data!.lockerCommands.id },
    );
    expect(answer.data.acknowledgeCommand.command.status).toBe('DONE');
  });

  // Needs the journal (reportEvents moved to devices/journal.ts on the journal branch): in this
  // branch reportEvents still refuses `at` as a string, so this test fails until that is merged.
  it('[needs journal.ts] takes a version 1 report with the kind as an enum literal in the document', async () => {
    const server = await startTestServer();
    const { bankId, deviceToken } = await server.createBank();
    const controller = server.wsClient({ deviceToken });
    await connected(controller);
    const res = await execute(
      controller,
      `mutation ($at: String!) {
        reportLockerEvents(events: [{ seq: 1, label: "A01", kind: DOOR_OPENED, at: $at }]) { acceptedThroughSeq stored }
      }`,
      { at: new Date().toISOString() },
    );
    expect(res.data?.reportLockerEvents).toEqual({ acceptedThroughSeq: 1, stored: 1 });
    const bank = await server.gql(`query ($id: ID!) { lockerBank(id: $id) { compartments { label door } } }`, {
      id: bankId,
    });
    expect(bank.data.lockerBank.compartments.find((c: { label: string }) => c.label === 'A01').door).toBe('OPEN');
  });
});

describe('a controller clock 2 h fast, end to end (PROTOCOL.md 4)', () => {
  // The last part (events corrected onto the server's time line) needs the journal
  // (devices/journal.ts, on the journal branch): this test fails until that is merged.
  it('[needs journal.ts] measures +2 h at connect, raises CLOCK_OFF, and stores its events corrected and flagged', async () => {
    const server = await startTestServer();
    const { bankId, deviceToken } = await server.createBank({ name: 'Fast Clock Hall' });
    const twoHours = 2 * 3_600_000;
    const ahead = () => new Date(Date.now() + twoHours);
    const controller = server.wsClient(v2Init(deviceToken, ahead()));
    const ack = await connected<{ clockOffsetMs: number }>(controller);
    expect(Math.abs(ack.clockOffsetMs - twoHours)).toBeLessThan(2_000);
    const alerts = await alertsOf(server, 'CLOCK_OFF');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.message).toMatch(/Fast Clock Hall.*2 h 0 min ahead/);
    expect((await controllerOf(server, bankId)).controller.clockTrusted).toBe(false);

    const at = ahead().toISOString();
    const report = await execute(
      controller,
      `mutation ($events: [LockerEventInput!]!) {
        reportLockerEvents(events: $events) { acceptedThroughSeq flagged { seq flag } }
      }`,
      { events: [{ seq: 1, label: 'A01', kind: 'DOOR_OPENED', at }] },
    );
    expect(report.data?.reportLockerEvents).toMatchObject({
      acceptedThroughSeq: 1,
      flagged: [{ seq: 1, flag: 'CLOCK_CORRECTED' }],
    });
    const log = await server.gql(`query ($id: ID!) { lockerEvents(bankId: $id) { seq occurredAt reportedAt flags } }`, {
      id: bankId,
    });
    const event = (
      log.data.lockerEvents as { seq: number | null; occurredAt: string; reportedAt: string; flags: string[] }[]
    ).find((e) => e.seq === 1)!;
    expect(Math.abs(Date.parse(event.occurredAt) - Date.now())).toBeLessThan(10_000);
    expect(event.flags).toContain('CLOCK_CORRECTED');
    expect(event.reportedAt).toBe(at);
  });
});
