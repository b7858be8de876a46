/**
 * The controller against an in-memory server that executes the real contract
 * (testing/fake-server.ts): connection, event delivery and replay, commands,
 * and the close-code policy.
 */
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SimulatedController, type ControllerStatus, type SimulatedControllerOptions } from './controller.js';
import { FakeServer, type FakeBank } from './testing/fake-server.js';

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
  it('refuses a URL it could not connect to, and a missing token, up front', () => {
    expect(() => new SimulatedController({ url: 'localhost:4000', deviceToken: 't' })).toThrow(/ws:\/\//);
    expect(() => new SimulatedController({ url: 'http://localhost:4000/graphql', deviceToken: 't' })).toThrow(
      /ws:\/\//,
    );
    expect(() => new SimulatedController({ url: 'ws://localhost:4000/graphql', deviceToken: '' })).toThrow(
      /deviceToken/,
    );
  });

  it('learns the bank and its labels from connection_ack', async () => {
    const c = controller();
    const seen = statuses(c);
    await c.start();
    expect(c.connected).toBe(true);
    expect(c.bankId).toBe(bank.id);
    expect(c.bankName).toBe('Library');
    expect(c.labels).toEqual(LABELS);
    expect(seen).toEqual(['connected']);
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

  it('stops on 4403 without retrying, and says why', async () => {
    const c = controller({ deviceToken: 'wrong' });
    const seen = statuses(c);
    await expect(c.start()).rejects.toMatchObject({ status: 'refused', code: 4403 });
    await sleep(200);
    expect(server.connectAttempts).toBe(1);
    expect(seen).toEqual(['refused']);
    expect(c.finalError?.message).toMatch(/refused the device token/);
    await expect(c.start()).rejects.toMatchObject({ status: 'refused' });
  });

  it('stops on 4000 when a newer connection takes the token over', async () => {
    const first = controller();
    const seen = statuses(first);
    await first.start();
    const second = controller();
    await second.start();
    await until(() => seen.includes('replaced'));
    await sleep(150);
    expect(first.connected).toBe(false);
    expect(second.connected).toBe(true);
    expect(server.connectionsOf(bank)).toBe(1);
    expect(seen).toEqual(['connected', 'replaced']);
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
    const cmd = server.issueOpen(bank, 'A02');
    const handled = await c.nextCommand(3000);
    expect(handled).toMatchObject({ outcome: 'OPENED', duplicate: false });
    expect(handled.command.id).toBe(cmd.id);
    expect(seen).toEqual(['connected', 'disconnected', 'connected']);
  });

  it('makes a new connection when graphql-ws gives up on a close it deems fatal (4500)', async () => {
    const c = controller();
    await c.start();
    server.closeAll(4500, 'Internal server error');
    await until(() => !c.connected);
    await until(() => c.connected, 3000);
    c.openDoor('A03');
    await c.flush({ timeoutMs: 3000 });
    expectLog(bank, ['DOOR_OPENED']);
  });
});

describe('events', () => {
  it('numbers events 1, 2, 3… and the server stores them in order', async () => {
    const c = controller();
    await c.start();
    c.deposit('A01');
    c.pickup('A01');
    c.fault('A02');
    await c.flush({ timeoutMs: 3000 });
    expectLog(bank, ['DOOR_OPENED', 'OCCUPIED', 'DOOR_CLOSED', 'DOOR_OPENED', 'EMPTY', 'DOOR_CLOSED', 'FAULT']);
    expect(c.pendingEvents).toBe(0);
    expect(c.lastAcceptedSeq).toBe(7);
    expect(bank.log[6]?.detail).toMatch(/lock sensor/);
  });

  it('queues events during an outage and sends them first, in order, after reconnecting', async () => {
    const c = controller();
    await c.start();
    c.deposit('A01');
    await c.flush({ timeoutMs: 3000 });
    await c.disconnect();
    expect(c.connected).toBe(false);
    c.pickup('A01');
    c.openDoor('A02');
    expect(c.pendingEvents).toBe(4);
    await sleep(50);
    expect(bank.log).toHaveLength(3); // nothing got through while away
    const flushed = c.flush({ timeoutMs: 3000 });
    await c.reconnect();
    c.closeDoor('A02'); // recorded after reconnecting: must come after the backlog
    await flushed;
    await c.flush({ timeoutMs: 3000 });
    expectLog(bank, [
      'DOOR_OPENED',
      'OCCUPIED',
      'DOOR_CLOSED',
      'DOOR_OPENED',
      'EMPTY',
      'DOOR_CLOSED',
      'DOOR_OPENED',
      'DOOR_CLOSED',
    ]);
    expect(bank.duplicateSeqs).toEqual([]);
  });

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
  });

  it('drops a connection whose requests go unanswered and resends over a new one', async () => {
    let hangs = 1;
    server.options.beforeReply = () => (hangs-- > 0 ? 'hang' : undefined);
    const c = controller({ requestTimeoutMs: 150 });
    const seen = statuses(c);
    await c.start();
    c.openDoor('A01');
    c.closeDoor('A01');
    await c.flush({ timeoutMs: 3000 });
    expectLog(bank, ['DOOR_OPENED', 'DOOR_CLOSED']);
    expect(seen).toEqual(['connected', 'disconnected', 'connected']);
  });

  it('continues numbering after the server log when starting fresh against a bank with history', async () => {
    bank = server.addBank({ token: 'tok-2', labels: LABELS, acceptedThroughSeq: 40 });
    const c = controller();
    c.openDoor('A01'); // recorded before the first connection: numbered 1 for now
    expect(c.queuedEvents[0]?.seq).toBe(1);
    await c.start();
    await c.flush({ timeoutMs: 3000 });
    expect(bank.log).toHaveLength(41);
    expect(bank.log[40]).toMatchObject({ seq: 41, kind: 'DOOR_OPENED', label: 'A01' });
    expect(c.nextSeq).toBe(42);
  });

  it('splits batches when the server takes fewer events per call', async () => {
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

  it('reports unknown labels; the server consumes the seq and the queue moves on', async () => {
    const c = controller();
    await c.start();
    const acks: number[] = [];
    c.on('acknowledged', (a) => acks.push(...a.rejected.map((r) => r.seq)));
    c.record('Z99', 'TAMPER');
    c.record('A01', 'TAMPER');
    await c.flush({ timeoutMs: 3000 });
    expect(acks).toEqual([1]);
    expect(bank.log.map((e) => e.label)).toEqual(['Z99', 'A01']);
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
    const cmd = server.issueOpen(bank, 'A03');
    const handled = await c.nextCommand(3000);
    expect(handled.outcome).toBe('OPENED');
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
    const cmd = server.issueOpen(bank, 'A01', { id: 'cmd_same' });
    await c.nextCommand(3000);
    server.deliver(bank, cmd);
    const again = await c.nextCommand(3000);
    expect(again).toMatchObject({ outcome: 'OPENED', duplicate: true });
    await until(() => bank.acks.length === 2);
    await c.flush({ timeoutMs: 3000 });
    expectLog(bank, ['DOOR_OPENED']);
    expect(c.stats.opened).toBe(1);
  });

  it('answers EXPIRED and does nothing when the ttl runs out before acting', async () => {
    const c = controller({ commandDelayMs: 80 });
    await c.start();
    const cmd = server.issueOpen(bank, 'A01', { ttlMs: 50 });
    expect((await c.nextCommand(3000)).outcome).toBe('EXPIRED');
    await until(() => bank.acks.length === 1);
    expect(bank.acks).toEqual([{ id: cmd.id, outcome: 'EXPIRED' }]);
    expect(c.compartment('A01')?.door).toBe('CLOSED');
    expect(c.pendingEvents + bank.log.length).toBe(0);
  });

  it('answers EXPIRED for a command whose expiresAt has passed', async () => {
    const c = controller();
    await c.start();
    server.issueOpen(bank, 'A01', { expiresInMs: -1000 });
    expect((await c.nextCommand(3000)).outcome).toBe('EXPIRED');
  });

  it('answers UNKNOWN_COMPARTMENT for a label the bank does not have, FAILED for a jammed lock', async () => {
    const c = controller();
    await c.start();
    server.issueOpen(bank, 'Q42');
    expect((await c.nextCommand(3000)).outcome).toBe('UNKNOWN_COMPARTMENT');
    c.jam('A02');
    server.issueOpen(bank, 'A02');
    expect((await c.nextCommand(3000)).outcome).toBe('FAILED');
    await until(() => bank.acks.length === 2);
    expect(bank.acks.map((a) => a.outcome)).toEqual(['UNKNOWN_COMPARTMENT', 'FAILED']);
    expect(bank.log).toHaveLength(0);
  });

  it('receives a command issued while it was away once it is back', async () => {
    const c = controller();
    await c.start();
    await c.disconnect();
    server.issueOpen(bank, 'A04');
    const next = c.nextCommand(3000);
    await c.reconnect();
    expect((await next).outcome).toBe('OPENED');
  });
});

describe('offline pickup QR', () => {
  async function signer() {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    bank.pickupKeys = [
      { kid: 'k1', alg: 'EdDSA', jwk: { ...(await exportJWK(publicKey)), kid: 'k1' }, retiresAt: null },
    ];
    return (claims: { cmp: string; dep: string; jti: string }) =>
      new SignJWT({ bank: bank.id, cmp: claims.cmp, dep: claims.dep })
        .setProtectedHeader({ alg: 'EdDSA', kid: 'k1', typ: 'baylight-pickup+jwt' })
        .setSubject('pcl_1')
        .setJti(claims.jti)
        .setExpirationTime(Math.floor(Date.now() / 1000) + 3600)
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
    server.issueOpen(bank, 'A01', { via: 'DEPOSIT', depositId: 'dep-2' });
    expect((await c.nextCommand(3000)).outcome).toBe('OPENED');
    await until(() => c.compartment('A01')?.door === 'CLOSED');
    const current = await sign({ cmp: 'A01', dep: 'dep-2', jti: 'qr-2' });
    const fromAck = await sign({ cmp: 'A02', dep: 'dep-9', jti: 'qr-9' });
    const wrongDoor = await sign({ cmp: 'A03', dep: 'dep-9', jti: 'qr-10' });

    await c.disconnect();
    expect((await c.scanPickupQr(earlier)).__typename).toBe('PickupRefused');
    expect((await c.scanPickupQr(wrongDoor)).__typename).toBe('PickupRefused');
    expect(await c.scanPickupQr(current)).toEqual({ __typename: 'OfflinePickup', compartmentLabel: 'A01' });
    expect(await c.scanPickupQr(fromAck)).toEqual({ __typename: 'OfflinePickup', compartmentLabel: 'A02' });
    expect(c.queuedEvents.filter((e) => e.kind === 'PICKUP_QR_OFFLINE').map((e) => e.label)).toEqual(['A01', 'A02']);
  });

  it('refuses offline a QR revoked by a REVOKE_PICKUP_TOKEN command or listed in connection_ack', async () => {
    const sign = await signer();
    bank.compartments[0]!.depositId = 'dep-1';
    bank.revokedPickupTokens = ['qr-listed'];
    const c = controller();
    await c.start();
    server.issueRevoke(bank, 'qr-commanded');
    expect((await c.nextCommand(3000)).outcome).toBe('DONE');
    await until(() => bank.acks.length === 1);
    expect(bank.acks[0]?.outcome).toBe('DONE');

    await c.disconnect();
    for (const jti of ['qr-listed', 'qr-commanded'])
      expect((await c.scanPickupQr(await sign({ cmp: 'A01', dep: 'dep-1', jti }))).__typename).toBe('PickupRefused');
    expect((await c.scanPickupQr(await sign({ cmp: 'A01', dep: 'dep-1', jti: 'qr-fine' }))).__typename).toBe(
      'OfflinePickup',
    );
  });
});
