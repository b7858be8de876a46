/**
 * The controller against the fake server (testing/fake-server.ts) where only
 * the fake can provoke the situation: faults (lost answers, hanging requests,
 * restarts, cut sockets, close codes on demand), older servers, commands the
 * real server cannot issue, offline QR checks. Scenarios both servers can
 * play are in parity.test.ts, run against the real server too.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SimulatedController, type ControllerStatus, type SimulatedControllerOptions } from './controller.js';
import { FileJournal } from './journal.js';
import { FakeServer, type FakeBank, type FakeServerOptions } from './testing/fake-server.js';
import type { Logger } from './types.js';

const LABELS = ['A01', 'A02', 'A03', 'A04'];
const FAST = { retry: { minMs: 20, maxMs: 60 }, closeAfterMs: 50, flushIntervalMs: 1 } as const;

let server: FakeServer;
let bank: FakeBank;
const controllers: SimulatedController[] = [];

function controller(options: Partial<SimulatedControllerOptions> = {}): SimulatedController {
  const c = new SimulatedController({ url: server.url, deviceToken: bank.token, ...FAST, ...options });
  controllers.push(c);
  return c;
}

function statuses(c: SimulatedController): ControllerStatus[] {
  const seen: ControllerStatus[] = [];
  c.onStatus((s) => seen.push(s));
  return seen;
}

function capture(): { lines: string[]; logger: Logger } {
  const lines: string[] = [];
  const push = (m: string) => lines.push(m);
  return { lines, logger: { debug: () => {}, info: push, warn: push, error: push } };
}

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The stored log must be exactly seq 1..n with these kinds, in order. */
function expectLog(b: FakeBank, kinds: string[]) {
  expect(b.log.map((e) => e.seq)).toEqual(kinds.map((_, i) => i + 1));
  expect(b.log.map((e) => e.kind)).toEqual(kinds);
}

async function restartWith(options: FakeServerOptions) {
  await server.stop();
  server = new FakeServer(options);
  await server.start();
  bank = server.addBank({ token: 'tok-1', labels: LABELS, name: 'Library' });
}

beforeEach(async () => {
  server = new FakeServer();
  await server.start();
  bank = server.addBank({ token: 'tok-1', labels: LABELS, name: 'Library' });
});

afterEach(async () => {
  await Promise.all(controllers.splice(0).map((c) => c.stop()));
  await server.stop();
});

describe('connecting', () => {
  it('refuses a URL it could not connect to, a missing token, and init fields the server would refuse, up front', () => {
    expect(() => new SimulatedController({ url: 'localhost:4000', deviceToken: 't' })).toThrow(/ws:\/\//);
    expect(() => new SimulatedController({ url: 'http://localhost:4000/graphql', deviceToken: 't' })).toThrow(
      /ws:\/\//,
    );
    expect(() => new SimulatedController({ url: 'ws://localhost:4000/graphql', deviceToken: '' })).toThrow(
      /deviceToken/,
    );
    const url = 'ws://localhost:4000/graphql';
    expect(() => new SimulatedController({ url, deviceToken: 't', model: 'm'.repeat(101) })).toThrow(/model/);
    expect(() => new SimulatedController({ url, deviceToken: 't', capabilities: ['x'.repeat(41)] })).toThrow(
      /capability/,
    );
    expect(
      () => new SimulatedController({ url, deviceToken: 't', capabilities: Array.from({ length: 33 }, () => 'K') }),
    ).toThrow(/32 capabilities/);
  });

  it('states version 2, what it is and its clock in connection_init; a serial from the token when it has no name', async () => {
    const c = controller({ clockSkewMs: -90_000, signalDbm: -70 });
    await c.start();
    expect(bank.controller).toMatchObject({ protocolVersion: 2, model: 'Baylight Simulator' });
    expect(bank.controller?.serial).toMatch(/^SIM-[0-9A-F]{12}$/);
    expect(bank.controller?.capabilities).toContain('BANK_EVENTS');
    // The server measured the simulated clock: 90 s behind.
    expect(bank.controller?.clockOffsetMs).toBeGreaterThan(-95_000);
    expect(bank.controller?.clockOffsetMs).toBeLessThan(-85_000);
    // And the controller keeps the server's time line: ours + 90 s.
    expect(c.serverOffsetMs).toBeGreaterThan(85_000);
    expect(c.serverOffsetMs).toBeLessThan(95_000);
  });

  it('keeps retrying until the server is up, then connects', async () => {
    await server.stop();
    const c = controller();
    const started = c.start();
    await sleep(150); // several failed attempts at 20–60 ms
    expect(c.connected).toBe(false);
    await server.restart();
    await started;
    expect(c.connected).toBe(true);
  });

  it('reconnects after the server restarts and is re-subscribed to commands', async () => {
    const c = controller();
    const seen = statuses(c);
    await c.start();
    await server.stop();
    await until(() => !c.connected);
    c.deposit('A01'); // recorded while the server is down
    await server.restart();
    await until(() => c.connected);
    await c.flush({ timeoutMs: 3000 });
    expectLog(bank, ['DOOR_OPENED', 'OCCUPIED', 'DOOR_CLOSED']);

    await until(() => server.connectionsOf(bank) === 1);
    await sleep(50); // let the re-sent subscribe message arrive
    const next = c.nextCommand(3000);
    const cmd = server.issueOpen(bank, 'A02');
    const handled = await next;
    expect(handled).toMatchObject({ outcome: 'OPENED', duplicate: false });
    expect(handled.command.id).toBe(cmd.id);
    expect(seen).toEqual(['connected', 'disconnected', 'connected']);
  });

  it.each([
    [4500, 'Internal server error'],
    [4400, 'Malformed message'],
    [4001, 'Pickup keys rotated'],
    [4999, 'a close code newer than this controller'],
    [1011, 'Internal error'],
  ])('reconnects with back-off after %i (%s), and sends what waited', async (code, reason) => {
    const c = controller();
    await c.start();
    server.closeAll(code, reason);
    await until(() => !c.connected);
    await until(() => c.connected, 3000);
    c.openDoor('A03');
    await c.flush({ timeoutMs: 3000 });
    expectLog(bank, ['DOOR_OPENED']);
    expect(c.finalError).toBeUndefined();
  });

  it('after 4000 keeps backing off while another device holds the token, then warns of a shared token', async () => {
    const { lines, logger } = capture();
    const c = controller({ logger, retry: { minMs: 20, maxMs: 2000 } });
    await c.start();
    // Another device, played by raw closes: each new connection of ours is replaced at once.
    const replaceAgain = setInterval(() => {
      if (server.connectionsOf(bank) > 0) server.closeAll(4000, 'Replaced by a newer connection');
    }, 5);
    try {
      await until(() => c.stats.replaced >= 4, 10_000);
    } finally {
      clearInterval(replaceAgain);
    }
    expect(lines.filter((l) => /another device may be using this bank's device token/.test(l))).toHaveLength(1);
    expect(c.finalError).toBeUndefined();
    await until(() => c.connected, 5000);
  });

  it('a 4002 on its only connection is handled as 4000: back off and reconnect', async () => {
    const c = controller();
    const seen = statuses(c);
    await c.start();
    server.closeAll(4002, 'Superseded by a newer connection');
    await until(() => seen.includes('replaced'));
    await until(() => c.connected, 3000);
    expect(c.stats.replaced).toBe(1);
  });

  it('stops when the ack names a protocol version it does not speak, closing with 1000', async () => {
    await restartWith({ ackExtra: { protocolVersion: 3 } });
    const c = controller();
    await expect(c.start()).rejects.toMatchObject({ status: 'failed' });
    expect(c.finalError?.message).toMatch(/protocol version 3/);
    await until(() => server.connectionsOf(bank) === 0);
  });
});

describe('an older server', () => {
  it('a version 1 server gets version 1: no health reports, no bank-level events, fault codes inside the detail', async () => {
    await restartWith({ protocolVersions: [1] });
    const { lines, logger } = capture();
    const c = controller({ logger, healthIntervalMs: 50 });
    await c.start();
    expect(c.protocolVersion).toBe(1);
    expect(c.powerLost()).toEqual([]);
    expect(lines.some((l) => /protocol version 1 has no bank-level events/.test(l))).toBe(true);
    c.fault('A02', 'solenoid current 0 mA', 'LOCK_JAMMED');
    await c.flush({ timeoutMs: 3000 });
    await sleep(150);
    expect(bank.health).toHaveLength(0);
    expect(bank.log[0]).toMatchObject({ kind: 'FAULT', detail: '[LOCK_JAMMED] solenoid current 0 mA' });
    expect(bank.log[0]?.code).toBeUndefined();
  });

  it('a server that answers reportControllerHealth as unknown: said once, not sent again', async () => {
    await restartWith({ omitOperations: ['reportControllerHealth'] });
    const { lines, logger } = capture();
    const c = controller({ logger, healthIntervalMs: 30 });
    await c.start();
    await until(() => lines.some((l) => /does not know reportControllerHealth/.test(l)));
    await c.disconnect();
    await c.reconnect();
    await sleep(150);
    expect(lines.filter((l) => /does not know reportControllerHealth/.test(l))).toHaveLength(1);
    expect(c.stats.healthReports).toBe(0);
  });

  it('a server that cannot record a loss: the journal takes the missing seqs instead of stalling', async () => {
    await restartWith({ omitOperations: ['markLockerEventsLost'] });
    const c = controller();
    await c.start();
    c.deposit('A01');
    await c.flush({ timeoutMs: 3000 });
    await c.disconnect();
    c.openDoor('A02');
    c.closeDoor('A02');
    c.openDoor('A03');
    c.loseOldestEvents(2); // the server will ask for 4 and 5
    await c.reconnect();
    await c.flush({ timeoutMs: 3000 });
    expectLog(bank, ['DOOR_OPENED', 'OCCUPIED', 'DOOR_CLOSED', 'DOOR_OPENED']);
    expect(bank.log[3]?.label).toBe('A03');
    expect(bank.lost).toEqual([]);
  });
});

describe('health reports', () => {
  it('reports once after every ack and then every interval, with the journal depth and power source', async () => {
    const c = controller({ healthIntervalMs: 40, temperatureC: 31.5 });
    await c.start();
    await until(() => bank.health.length >= 3);
    expect(bank.health[0]).toMatchObject({ outboxDepth: 0, power: 'MAINS', temperatureC: 31.5 });
    expect(typeof bank.health[0]?.uptimeSeconds).toBe('number');
    c.upsOnBattery();
    await until(() => bank.health.at(-1)?.power === 'BATTERY');
    c.powerRestored();
    await until(() => bank.health.at(-1)?.power === 'MAINS');
    await c.disconnect();
    const before = bank.health.length;
    await sleep(120);
    expect(bank.health.length).toBe(before); // none while away
    await c.reconnect();
    await until(() => bank.health.length > before);
  });

  it('sends none without the HEALTH_REPORT capability, and no bank events without BANK_EVENTS', async () => {
    const c = controller({ capabilities: ['KEYPAD', 'DOOR_SENSOR'], healthIntervalMs: 20 });
    await c.start();
    expect(c.cabinetTamper()).toEqual([]);
    await sleep(100);
    expect(bank.health).toHaveLength(0);
  });
});

describe('events', () => {
  it('resends a batch whose answer was lost; the server sees duplicates, the log has no gap', async () => {
    let drops = 1;
    server.options.beforeReply = () => (drops-- > 0 ? 'drop' : undefined);
    const c = controller();
    await c.start();
    c.deposit('A01');
    await c.flush({ timeoutMs: 3000 });
    expectLog(bank, ['DOOR_OPENED', 'OCCUPIED', 'DOOR_CLOSED']);
    // Either the new connection_ack told us seq 3 was stored, or the resend
    // was answered with duplicates: in both cases nothing was stored twice.
    expect(c.pendingEvents).toBe(0);
    expect(c.nextSeq).toBe(4);
    expect(bank.conflictSeqs).toEqual([]);
  });

  it('drops a connection whose requests go unanswered and resends over a new one, which it keeps', async () => {
    let hangs = 1;
    server.options.beforeReply = () => (hangs-- > 0 ? 'hang' : undefined);
    const c = controller({ requestTimeoutMs: 150 });
    const seen = statuses(c);
    await c.start();
    c.openDoor('A01');
    c.closeDoor('A01');
    await c.flush({ timeoutMs: 3000 });
    expectLog(bank, ['DOOR_OPENED', 'DOOR_CLOSED']);
    // Its own newer connection replaced the dead one: not another device.
    expect(seen).toEqual(['connected', 'disconnected', 'connected']);
    expect(c.stats.replaced).toBe(0);
  });

  it('splits batches when the server takes fewer events per call than it announced', async () => {
    server.options.batchLimit = 3;
    const c = controller();
    await c.start();
    await c.disconnect();
    for (let i = 0; i < 10; i++) c.record('A04', i % 2 ? 'DOOR_CLOSED' : 'DOOR_OPENED');
    const flushed = c.flush({ timeoutMs: 3000 });
    await c.reconnect();
    await flushed;
    expect(bank.log.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('keeps each batch within maxBatchEvents × maxEventBytes, so none is refused for its size', async () => {
    await restartWith({ limits: { maxBatchEvents: 10, maxEventBytes: 256 } });
    const c = controller();
    await c.start();
    await c.disconnect();
    // Tokens are never cut, so these events exceed maxEventBytes: only the byte budget splits them.
    for (let i = 0; i < 10; i++) c.recordEvent({ kind: 'PICKUP_QR_OFFLINE', label: 'A01', detail: 'q'.repeat(400) });
    const flushed = c.flush({ timeoutMs: 3000 });
    await c.reconnect();
    await flushed;
    expect(bank.log).toHaveLength(10);
    expect(bank.log.every((e) => e.rejection === 'TOO_LARGE')).toBe(true);
    expect(Math.max(...bank.batchSizes)).toBeLessThan(10);
    expect(bank.batchSizes.reduce((a, b) => a + b, 0)).toBe(10); // nothing refused, nothing resent
  });

  it('cuts code and detail to the announced limits, in characters and in bytes, so the event is applied', async () => {
    await restartWith({ limits: { maxEventBytes: 400 } });
    const c = controller();
    await c.start();
    c.fault('A01', 'x'.repeat(800), 'A_VERY_LONG_FAULT_CODE_FROM_NEWER_FIRMWARE');
    c.fault('A02', '🔥'.repeat(300));
    await c.flush({ timeoutMs: 3000 });
    expect(bank.log.map((e) => [e.rejection, e.flags])).toEqual([
      [null, []],
      [null, []],
    ]);
    expect(bank.log[0]?.code).toHaveLength(32);
    expect(Buffer.byteLength(JSON.stringify(bank.log[1]?.sent))).toBeLessThanOrEqual(400);
  });

  it('keeps its journal in a file across a restart of the controller: nothing lost, nothing twice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-controller-journal-'));
    try {
      const journal = new FileJournal(join(dir, 'library.json'));
      const first = controller({ journal });
      await first.start();
      first.deposit('A01');
      await first.flush({ timeoutMs: 3000 });
      await first.disconnect();
      first.pickup('A01');
      await first.stop(); // the controller reboots with three events unsent

      const second = controller({ journal: new FileJournal(join(dir, 'library.json')) });
      expect(second.pendingEvents).toBe(3);
      expect(second.nextSeq).toBe(7);
      await second.start();
      await second.flush({ timeoutMs: 3000 });
      expectLog(bank, ['DOOR_OPENED', 'OCCUPIED', 'DOOR_CLOSED', 'DOOR_OPENED', 'EMPTY', 'DOOR_CLOSED']);
      expect(bank.duplicateSeqs).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('flush() rejects when the controller is stopped with events pending', async () => {
    const c = controller();
    await c.start();
    await c.disconnect();
    c.openDoor('A01');
    const flushed = c.flush();
    await c.stop();
    await expect(flushed).rejects.toMatchObject({ status: 'stopped' });
    expect(c.pendingEvents).toBe(1);
  });
});

describe('commands', () => {
  it('opens the door, acknowledges OPENED, and closes it after closeAfterMs', async () => {
    const c = controller();
    await c.start();
    const next = c.nextCommand(3000);
    const cmd = server.issueOpen(bank, 'A03');
    expect((await next).outcome).toBe('OPENED');
    expect(c.compartment('A03')?.door).toBe('OPEN');
    await until(() => bank.log.length === 2);
    expectLog(bank, ['DOOR_OPENED', 'DOOR_CLOSED']);
    expect(c.compartment('A03')?.door).toBe('CLOSED');
    await until(() => bank.acks.length === 1);
    expect(bank.acks).toEqual([{ id: cmd.id, outcome: 'OPENED' }]);
  });

  it('does not open twice for a command id it has seen; acknowledges it again', async () => {
    const c = controller({ closeAfterMs: 10_000 });
    await c.start();
    const first = c.nextCommand(3000);
    const cmd = server.issueOpen(bank, 'A01', { id: 'cmd_same' });
    await first;
    const again = c.nextCommand(3000);
    server.deliver(bank, cmd);
    expect(await again).toMatchObject({ outcome: 'OPENED', duplicate: true });
    await until(() => bank.acks.length === 2);
    await c.flush({ timeoutMs: 3000 });
    expectLog(bank, ['DOOR_OPENED']);
    expect(c.stats.opened).toBe(1);
  });

  it('answers EXPIRED and does nothing when the ttl runs out before acting', async () => {
    const c = controller({ commandDelayMs: 80 });
    await c.start();
    const next = c.nextCommand(3000);
    const cmd = server.issueOpen(bank, 'A01', { ttlMs: 50 });
    expect((await next).outcome).toBe('EXPIRED');
    await until(() => bank.acks.length === 1);
    expect(bank.acks).toEqual([{ id: cmd.id, outcome: 'EXPIRED' }]);
    expect(c.compartment('A01')?.door).toBe('CLOSED');
    expect(c.pendingEvents + bank.log.length).toBe(0);
  });

  it('judges expiry by ttlMs alone: a controller whose clock is an hour fast still opens in time', async () => {
    const c = controller({ clockSkewMs: 3_600_000 });
    await c.start();
    const next = c.nextCommand(3000);
    server.issueOpen(bank, 'A01'); // expiresAt is 30 s ahead of the server: an hour behind our clock
    expect((await next).outcome).toBe('OPENED');
  });

  it('carries out a command whose ttlMs exceeds 2^31 ms (a SafeInt), and remembers its id that long', async () => {
    const c = controller({ commandDelayMs: 20 });
    await c.start();
    const weeks = 2 ** 31 + 86_400_000;
    const now = Date.now();
    const command = {
      id: 'cmd_long',
      kind: 'REVOKE_PICKUP_TOKEN',
      bankId: bank.id,
      compartmentLabel: 'A01',
      issuedAt: new Date(now).toISOString(),
      expiresAt: new Date(now + weeks).toISOString(),
      ttlMs: weeks,
      status: 'PENDING',
      tokenId: 'qr-long',
    };
    const first = c.nextCommand(3000);
    server.deliver(bank, command);
    expect(await first).toMatchObject({ outcome: 'DONE', duplicate: false });
    const open = c.nextCommand(3000);
    server.deliver(bank, { ...command, id: 'cmd_long_open', kind: 'OPEN_COMPARTMENT', tokenId: null });
    expect(await open).toMatchObject({ outcome: 'OPENED' }); // not EXPIRED after a clamped 1 ms timer
    const again = c.nextCommand(3000);
    server.deliver(bank, command);
    expect(await again).toMatchObject({ outcome: 'DONE', duplicate: true });
  });

  it('answers a command kind it does not know with FAILED "unsupported", once per id', async () => {
    await restartWith({ newerCommandKinds: ['SOUND_ALARM'] });
    const c = controller();
    await c.start();
    const next = c.nextCommand(3000);
    const cmd = server.issueCommand(bank, { kind: 'SOUND_ALARM', label: 'A01' });
    expect(await next).toMatchObject({ outcome: 'FAILED', duplicate: false });
    await until(() => bank.acks.length === 1);
    expect(bank.acks).toEqual([{ id: cmd.id, outcome: 'FAILED', detail: 'unsupported' }]);
    const again = c.nextCommand(3000);
    server.deliver(bank, cmd);
    expect(await again).toMatchObject({ outcome: 'FAILED', duplicate: true });
    await until(() => bank.acks.length === 2);
    expect(bank.acks[1]).toEqual({ id: cmd.id, outcome: 'FAILED', detail: 'unsupported' });
  });

  it('answers UNKNOWN_COMPARTMENT for a label the bank does not have, FAILED for a jammed lock', async () => {
    const c = controller();
    await c.start();
    let next = c.nextCommand(3000);
    server.issueOpen(bank, 'Q42');
    expect((await next).outcome).toBe('UNKNOWN_COMPARTMENT');
    c.jam('A02');
    next = c.nextCommand(3000);
    server.issueOpen(bank, 'A02');
    expect((await next).outcome).toBe('FAILED');
    await until(() => bank.acks.length === 2);
    expect(bank.acks.map((a) => a.outcome)).toEqual(['UNKNOWN_COMPARTMENT', 'FAILED']);
    expect(bank.log).toHaveLength(0);
  });

  it('a bank away past the grace period is OFFLINE: nothing is queued for it', async () => {
    await restartWith({ limits: { offlineGraceMs: 50 } });
    const c = controller();
    await c.start();
    await c.disconnect();
    await until(() => bank.status === 'OFFLINE');
    expect(() => server.issueOpen(bank, 'A01')).toThrow(/offline/);
  });
});

describe('offline pickup QR', () => {
  async function signer(options: { expSeconds?: number } = {}) {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    bank.pickupKeys = [
      { kid: 'k1', alg: 'EdDSA', jwk: { ...(await exportJWK(publicKey)), kid: 'k1' }, retiresAt: null },
    ];
    return (claims: { cmp: string; dep: string; jti: string; exp?: number }) =>
      new SignJWT({ bank: bank.id, cmp: claims.cmp, dep: claims.dep })
        .setProtectedHeader({ alg: 'EdDSA', kid: 'k1', typ: 'baylight-pickup+jwt' })
        .setSubject('pcl_1')
        .setJti(claims.jti)
        .setExpirationTime(claims.exp ?? Math.floor(Date.now() / 1000) + (options.expSeconds ?? 3600))
        .sign(privateKey);
  }

  it('opens offline only for the deposit in the compartment now: an earlier occupant’s QR is refused', async () => {
    const sign = await signer();
    bank.compartments[0]!.depositId = 'dep-1';
    bank.compartments[1]!.depositId = 'dep-9';
    const c = controller();
    await c.start();
    const earlier = await sign({ cmp: 'A01', dep: 'dep-1', jti: 'qr-1' });
    // Picked up, and a new deposit goes into A01 while the link is up: its opening names it.
    const next = c.nextCommand(3000);
    server.issueOpen(bank, 'A01', { via: 'DEPOSIT', depositId: 'dep-2' });
    expect((await next).outcome).toBe('OPENED');
    await until(() => c.compartment('A01')?.door === 'CLOSED');
    const current = await sign({ cmp: 'A01', dep: 'dep-2', jti: 'qr-2' });
    const fromAck = await sign({ cmp: 'A02', dep: 'dep-9', jti: 'qr-9' });
    const wrongDoor = await sign({ cmp: 'A03', dep: 'dep-9', jti: 'qr-10' });

    await c.disconnect();
    expect((await c.scanPickupQr(earlier)).__typename).toBe('PickupRefused');
    expect((await c.scanPickupQr(wrongDoor)).__typename).toBe('PickupRefused');
    expect(await c.scanPickupQr(current)).toEqual({ __typename: 'OfflinePickup', compartmentLabel: 'A01' });
    expect(await c.scanPickupQr(fromAck)).toEqual({ __typename: 'OfflinePickup', compartmentLabel: 'A02' });
    const offline = c.queuedEvents.filter((e) => e.kind === 'PICKUP_QR_OFFLINE');
    expect(offline.map((e) => e.label)).toEqual(['A01', 'A02']);
    expect(offline[0]?.detail).toBe(current); // the token, uncut
  });

  it('refuses offline a QR revoked by a REVOKE_PICKUP_TOKEN command or listed in connection_ack', async () => {
    const sign = await signer();
    bank.compartments[0]!.depositId = 'dep-1';
    bank.revokedPickupTokens = ['qr-listed'];
    const c = controller();
    await c.start();
    const next = c.nextCommand(3000);
    server.issueRevoke(bank, 'qr-commanded');
    expect((await next).outcome).toBe('DONE');
    await until(() => bank.acks.length === 1);
    expect(bank.acks[0]?.outcome).toBe('DONE');

    await c.disconnect();
    for (const jti of ['qr-listed', 'qr-commanded'])
      expect((await c.scanPickupQr(await sign({ cmp: 'A01', dep: 'dep-1', jti }))).__typename).toBe('PickupRefused');
    expect((await c.scanPickupQr(await sign({ cmp: 'A01', dep: 'dep-1', jti: 'qr-fine' }))).__typename).toBe(
      'OfflinePickup',
    );
  });

  it('a 4001 (keys rotated) brings a fresh ack: what it lists is refused offline from then on', async () => {
    const sign = await signer();
    bank.compartments[0]!.depositId = 'dep-1';
    const c = controller();
    await c.start();
    bank.revokedPickupTokens = ['qr-newly-revoked'];
    server.rotatePickupKeys();
    await until(() => !c.connected);
    await until(() => c.connected, 3000);
    await c.disconnect();
    const token = await sign({ cmp: 'A01', dep: 'dep-1', jti: 'qr-newly-revoked' });
    expect((await c.scanPickupQr(token)).__typename).toBe('PickupRefused');
  });

  it('judges exp on the server’s time line, not by its own clock that is two hours behind', async () => {
    const sign = await signer();
    bank.compartments[0]!.depositId = 'dep-1';
    const c = controller({ clockSkewMs: -2 * 3_600_000 });
    await c.start();
    await c.disconnect();
    const serverNow = Math.floor(Date.now() / 1000);
    // Expired ten minutes ago for the server; our own clock would say it has 1 h 50 min left.
    const stale = await sign({ cmp: 'A01', dep: 'dep-1', jti: 'qr-stale', exp: serverNow - 600 });
    // Expired a minute ago: within the protocol's 300 s of slack.
    const justExpired = await sign({ cmp: 'A01', dep: 'dep-1', jti: 'qr-just', exp: serverNow - 60 });
    expect((await c.scanPickupQr(stale)).__typename).toBe('PickupRefused');
    expect((await c.scanPickupQr(justExpired)).__typename).toBe('OfflinePickup');
  });
});
