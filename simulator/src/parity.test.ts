/**
 * Parity: the simulator's scenarios that need no fault injection, run against
 * the fake server (src/testing/fake-server.ts) and against the real Baylight
 * server (started as its own integration tests start it), each observed
 * through what the server shows: its event log, its acknowledgement of a
 * command, what it stored about the controller. A scenario that passes on
 * one and fails on the other means the fake has drifted from the protocol
 * (or the server has): both are written to server/src/devices/PROTOCOL.md
 * version 2.
 *
 * Raw-protocol checks (refusals message by message) are here too, so the
 * fake refuses exactly what the real server refuses.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MemoryJournal } from './journal.js';
import { SimulatedController, type ControllerStatus, type SimulatedControllerOptions } from './controller.js';
import {
  rawDevice,
  rawSocket,
  startFakeTarget,
  startRealTarget,
  type ProtocolTarget,
  type RawDevice,
  type TargetBank,
} from './testing/targets.js';
import type { Logger } from './types.js';
import { SIMULATOR_VERSION } from './version.js';

const FAST = { retry: { minMs: 20, maxMs: 60 }, closeAfterMs: 50, flushIntervalMs: 1 } as const;
/** Long enough for a healthy round trip on a busy machine; short enough that a scenario the server cannot serve fails fast. */
const FLUSH = { timeoutMs: 4000 };

interface TargetSpec {
  name: 'fake' | 'real';
  start(config?: { maxBatchEvents?: number }): Promise<ProtocolTarget>;
}

const TARGETS: TargetSpec[] = [
  {
    name: 'fake',
    start: ({ maxBatchEvents } = {}) => startFakeTarget(maxBatchEvents ? { limits: { maxBatchEvents } } : {}),
  },
  {
    name: 'real',
    start: ({ maxBatchEvents } = {}) =>
      startRealTarget(maxBatchEvents ? { DEVICE_BATCH_LIMIT: String(maxBatchEvents) } : {}),
  },
];

const REPORT = /* GraphQL */ `
  mutation ($events: [LockerEventInput!]!) {
    reportLockerEvents(events: $events) {
      acceptedThroughSeq
      resendFromSeq
      stored
      duplicates
      rejected {
        seq
        reason
      }
    }
  }
`;
const MARK_LOST = /* GraphQL */ `
  mutation ($from: SafeInt!, $through: SafeInt!, $reason: String!) {
    markLockerEventsLost(fromSeq: $from, throughSeq: $through, reason: $reason) {
      acceptedThroughSeq
    }
  }
`;
const HEALTH = /* GraphQL */ `
  mutation ($input: ControllerHealthInput!) {
    reportControllerHealth(input: $input) {
      serverTime
      clockOffsetMs
    }
  }
`;
const ACK = /* GraphQL */ `
  mutation ($id: ID!) {
    acknowledgeCommand(id: $id, outcome: OPENED) {
      command {
        id
      }
    }
  }
`;
const COMMANDS = /* GraphQL */ `
  subscription {
    lockerCommands {
      id
      kind
      compartmentLabel
      ttlMs
    }
  }
`;

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!(await condition())) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A promise that must settle soon: a server that never answers fails the scenario quickly, saying what was awaited. */
function soon<T>(promise: Promise<T>, what: string, timeoutMs = 3000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${what} within ${timeoutMs} ms`)), timeoutMs);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
const iso = () => new Date().toISOString();

function capture(): { lines: string[]; logger: Logger } {
  const lines: string[] = [];
  const push = (m: string) => lines.push(m);
  return { lines, logger: { debug: () => {}, info: push, warn: push, error: push } };
}

function statuses(c: SimulatedController): ControllerStatus[] {
  const seen: ControllerStatus[] = [];
  c.onStatus((s) => seen.push(s));
  return seen;
}

describe.each(TARGETS)('against the $name server', (spec) => {
  let target: ProtocolTarget;
  const controllers: SimulatedController[] = [];
  const raws: { dispose(): Promise<void> | void }[] = [];

  beforeAll(async () => {
    target = await spec.start();
  }, 60_000);
  afterAll(async () => {
    await target.stop();
  });
  afterEach(async () => {
    await Promise.all(controllers.splice(0).map((c) => c.stop()));
    await Promise.all(
      raws.splice(0).map(async (r) => {
        await r.dispose();
      }),
    );
  });

  function controller(bank: TargetBank, options: Partial<SimulatedControllerOptions> = {}): SimulatedController {
    const c = new SimulatedController({ url: target.url, deviceToken: bank.token, ...FAST, ...options });
    controllers.push(c);
    return c;
  }

  function raw(params: Record<string, unknown>): RawDevice {
    const device = rawDevice(target.url, params);
    raws.push(device);
    return device;
  }

  async function expectLog(bank: TargetBank, kinds: string[]) {
    const events = await bank.events();
    expect(events.map((e) => e.seq)).toEqual(kinds.map((_, i) => i + 1));
    expect(events.map((e) => e.kind)).toEqual(kinds);
  }

  describe('connecting', () => {
    it('learns the bank and its labels from connection_ack', async () => {
      const bank = await target.createBank({ name: 'Library' });
      const c = controller(bank);
      const seen = statuses(c);
      await c.start();
      expect(c.connected).toBe(true);
      expect(c.bankId).toBe(bank.id);
      expect(c.bankName).toBe('Library');
      expect(c.labels).toEqual(bank.labels);
      expect(seen).toEqual(['connected']);
    });

    it('speaks version 2: takes the protocol version, limits, generation and server time from the ack', async () => {
      const bank = await target.createBank();
      const c = controller(bank);
      await c.start();
      expect(c.protocolVersion).toBe(2);
      expect(c.tokenGeneration).toBe(1);
      expect(c.limits.maxBatchEvents).toBe(500);
      expect(c.limits.qrClockSkewSeconds).toBe(300);
      expect(Math.abs(c.serverOffsetMs ?? Number.NaN)).toBeLessThan(5000);
    });

    it('tells the server its model, serial, firmware and capabilities, shown to staff', async () => {
      const bank = await target.createBank();
      const c = controller(bank, { name: 'Student Union', capabilities: ['KEYPAD', 'DOOR_SENSOR', 'X_FUTURE'] });
      await c.start();
      expect(await bank.controller()).toMatchObject({
        protocolVersion: 2,
        model: 'Baylight Simulator',
        serial: 'SIM-STUDENT-UNION',
        firmware: SIMULATOR_VERSION,
        capabilities: ['KEYPAD', 'DOOR_SENSOR', 'X_FUTURE'],
      });
    });

    it('a version 1 controller is served as version 1, and told the version is deprecated', async () => {
      const bank = await target.createBank();
      const { lines, logger } = capture();
      const c = controller(bank, { protocolVersion: 1, logger });
      await c.start();
      expect(c.protocolVersion).toBe(1);
      expect(lines.some((l) => /deprecated/i.test(l))).toBe(true);
      c.openDoor(bank.labels[0]!);
      await c.flush(FLUSH);
      await expectLog(bank, ['DOOR_OPENED']);
    });

    it('stops on 4403 without retrying, and says why', async () => {
      const c = new SimulatedController({ url: target.url, deviceToken: 'bld_not-a-token', ...FAST });
      controllers.push(c);
      const seen = statuses(c);
      await expect(c.start()).rejects.toMatchObject({ status: 'refused', code: 4403 });
      await sleep(200);
      expect(c.stats.connections).toBe(1);
      expect(seen).toEqual(['refused']);
      expect(c.finalError?.message).toMatch(/refused the device token/);
    });

    it('after 4000 the replaced controller reconnects with back-off, and several in a row name a shared token', async () => {
      const bank = await target.createBank();
      const { lines, logger } = capture();
      const first = controller(bank, { logger });
      const seen = statuses(first);
      await first.start();
      const second = controller(bank);
      await second.start();
      // Two devices with one token keep taking it from each other.
      await until(() => first.stats.replaced >= 3, 10_000);
      expect(first.finalError).toBeUndefined();
      expect(seen).toContain('replaced');
      expect(lines.some((l) => /another device may be using this bank's device token/.test(l))).toBe(true);
      // The other device goes away: the first one is back for good.
      await second.stop();
      await until(() => first.connected, 5000);
      const replacedSoFar = first.stats.replaced;
      await sleep(300);
      expect(first.connected).toBe(true);
      expect(first.stats.replaced).toBe(replacedSoFar);
    });

    it('refuses with 4002 a late init on a socket accepted before the live connection, which stays', async () => {
      const bank = await target.createBank();
      const early = rawSocket(target.url);
      raws.push({ dispose: () => early.close() });
      await early.opened;
      const live = rawSocket(target.url);
      raws.push({ dispose: () => live.close() });
      await live.opened;
      live.init({ deviceToken: bank.token, protocolVersion: 2 });
      await live.acked();
      early.init({ deviceToken: bank.token, protocolVersion: 2 });
      expect((await soon(early.closed, 'close of the late socket')).code).toBe(4002);
      await sleep(100);
      expect(live.socket.readyState).toBe(live.socket.OPEN);
    });

    it('closes a malformed connection_init with 4400, the reason naming the field', async () => {
      const bank = await target.createBank();
      const zero = raw({ deviceToken: bank.token, protocolVersion: 0 });
      const zeroClose = await soon(zero.closed, 'close');
      expect(zeroClose.code).toBe(4400);
      expect(zeroClose.reason).toMatch(/protocolVersion/);
      const long = raw({
        deviceToken: bank.token,
        protocolVersion: 2,
        controller: { model: 'm'.repeat(101), time: iso() },
      });
      const longClose = await soon(long.closed, 'close');
      expect(longClose.code).toBe(4400);
      expect(longClose.reason).toMatch(/model/);
    });
  });

  describe('the journal', () => {
    it('numbers events 1, 2, 3… and the server stores them in order, faults with their code', async () => {
      const bank = await target.createBank();
      const c = controller(bank);
      await c.start();
      c.deposit('A01');
      c.pickup('A01');
      c.fault('A02');
      await c.flush(FLUSH);
      await expectLog(bank, ['DOOR_OPENED', 'OCCUPIED', 'DOOR_CLOSED', 'DOOR_OPENED', 'EMPTY', 'DOOR_CLOSED', 'FAULT']);
      expect(c.pendingEvents).toBe(0);
      expect(c.lastAcceptedSeq).toBe(7);
      expect((await bank.events())[6]).toMatchObject({
        code: 'LOCK_NO_RESPONSE',
        detail: 'E17 lock sensor not responding',
      });
    });

    it('queues events during an outage and sends them first, in order, after reconnecting', async () => {
      const bank = await target.createBank();
      const c = controller(bank);
      await c.start();
      c.deposit('A01');
      await c.flush(FLUSH);
      await c.disconnect();
      c.pickup('A01');
      c.openDoor('A02');
      expect(c.pendingEvents).toBe(4);
      const flushed = c.flush(FLUSH);
      await c.reconnect();
      c.closeDoor('A02'); // recorded after reconnecting: must come after the backlog
      await flushed;
      await c.flush(FLUSH);
      await expectLog(bank, [
        'DOOR_OPENED',
        'OCCUPIED',
        'DOOR_CLOSED',
        'DOOR_OPENED',
        'EMPTY',
        'DOOR_CLOSED',
        'DOOR_OPENED',
        'DOOR_CLOSED',
      ]);
    });

    it('continues numbering after the server log when starting fresh against a bank with history', async () => {
      const bank = await target.createBank();
      const earlier = controller(bank);
      await earlier.start();
      earlier.deposit('A01');
      await earlier.flush(FLUSH);
      await earlier.stop();
      const fresh = controller(bank);
      fresh.openDoor('A02'); // recorded before the first connection: numbered 1 for now
      expect(fresh.queuedEvents[0]?.seq).toBe(1);
      await fresh.start();
      await fresh.flush(FLUSH);
      await expectLog(bank, ['DOOR_OPENED', 'OCCUPIED', 'DOOR_CLOSED', 'DOOR_OPENED']);
      expect((await bank.events())[3]?.label).toBe('A02');
      expect(fresh.nextSeq).toBe(5);
    });

    it('an unknown label is stored as rejected, consumes its seq, and the queue moves on', async () => {
      const bank = await target.createBank();
      const c = controller(bank);
      await c.start();
      const rejected: number[] = [];
      c.on('acknowledged', (a) => rejected.push(...a.rejected.map((r) => r.seq)));
      c.record('Z99', 'TAMPER');
      c.record('A01', 'TAMPER');
      await c.flush(FLUSH);
      expect(rejected).toEqual([1]);
      const events = await bank.events();
      expect(events.map((e) => [e.seq, e.label, e.rejection])).toEqual([
        [1, 'Z99', 'UNKNOWN_COMPARTMENT'],
        [2, 'A01', null],
      ]);
    });

    it('an unknown kind (newer firmware) is stored with its name, rejected, never resent; later events flow', async () => {
      const bank = await target.createBank();
      const c = controller(bank);
      await c.start();
      c.recordEvent({ kind: 'DOOR_AJAR', label: 'A01', detail: 'firmware 4.0' });
      c.openDoor('A02');
      await c.flush(FLUSH);
      const events = await bank.events();
      expect(events.map((e) => [e.seq, e.kind, e.reportedKind, e.rejection])).toEqual([
        [1, 'UNRECOGNISED', 'DOOR_AJAR', 'UNKNOWN_KIND'],
        [2, 'DOOR_OPENED', 'DOOR_OPENED', null],
      ]);
      expect(c.stats.rejected).toBe(1);
      expect(c.stats.sent).toBe(2);
      await sleep(100);
      expect(c.stats.sent).toBe(2);
    });

    it('a time without a zone is stored as rejected (INVALID_TIME) and the journal moves on', async () => {
      const bank = await target.createBank();
      const c = controller(bank);
      await c.start();
      c.recordEvent({ kind: 'DOOR_OPENED', label: 'A01', at: '2026-11-27T08:00:00' });
      c.closeDoor('A01');
      await c.flush(FLUSH);
      const events = await bank.events();
      expect(events.map((e) => [e.seq, e.kind, e.rejection])).toEqual([
        [1, 'DOOR_OPENED', 'INVALID_TIME'],
        [2, 'DOOR_CLOSED', null],
      ]);
    });

    it('reports bank-level events without a label, and faults with a standard code and free text', async () => {
      const bank = await target.createBank();
      const c = controller(bank);
      await c.start();
      c.powerLost();
      c.upsOnBattery();
      c.cabinetTamper();
      c.temperatureHigh(48);
      c.powerRestored();
      c.fault('A03', 'solenoid current 0 mA', 'LOCK_JAMMED');
      await c.flush(FLUSH);
      const events = await bank.events();
      expect(events.map((e) => [e.kind, e.label, e.rejection])).toEqual([
        ['POWER_LOST', null, null],
        ['UPS_ON_BATTERY', null, null],
        ['CABINET_TAMPER', null, null],
        ['TEMPERATURE_HIGH', null, null],
        ['POWER_RESTORED', null, null],
        ['FAULT', 'A03', null],
      ]);
      expect(events[3]?.detail).toBe('48 C');
      expect(events[5]).toMatchObject({ code: 'LOCK_JAMMED', detail: 'solenoid current 0 mA' });
    });

    it('a controller 2 h fast still yields a log on the server time line: its events are corrected and flagged', async () => {
      const bank = await target.createBank();
      const c = controller(bank, { clockSkewMs: 2 * 3_600_000 });
      await c.start();
      c.openDoor('A01');
      await c.flush(FLUSH);
      const [event] = await bank.events();
      expect(event).toMatchObject({ kind: 'DOOR_OPENED', rejection: null });
      expect(event?.flags).toContain('CLOCK_CORRECTED');
    });

    it('after losing its counter the controller meets conflicts, renumbers after the server log, and loses nothing', async () => {
      const bank = await target.createBank();
      const c = controller(bank);
      await c.start();
      c.deposit('A01');
      await c.flush(FLUSH);
      c.loseCounter();
      c.openDoor('A02'); // seq 1 again: the server holds another event there
      c.closeDoor('A02');
      await c.flush(FLUSH);
      const events = await bank.events();
      expect(events.map((e) => [e.seq, e.kind, e.label])).toEqual([
        [1, 'DOOR_OPENED', 'A01'],
        [2, 'OCCUPIED', 'A01'],
        [3, 'DOOR_CLOSED', 'A01'],
        [4, 'DOOR_OPENED', 'A02'],
        [5, 'DOOR_CLOSED', 'A02'],
      ]);
      expect(c.stats.conflicts).toBeGreaterThan(0);
      expect(c.nextSeq).toBe(6);
    });

    it('declares lost the seqs the journal no longer holds when the server asks for them, and continues', async () => {
      const bank = await target.createBank();
      const c = controller(bank);
      await c.start();
      c.deposit('A01');
      await c.flush(FLUSH);
      await c.disconnect();
      c.openDoor('A02'); // 4
      c.closeDoor('A02'); // 5
      c.openDoor('A03'); // 6
      expect(c.loseOldestEvents(2)).toBe(2); // 4 and 5 vanish from storage
      const lost: { fromSeq: number; throughSeq: number }[] = [];
      c.on('lost', (range) => lost.push(range));
      await c.reconnect();
      await c.flush(FLUSH);
      expect(lost).toMatchObject([{ fromSeq: 4, throughSeq: 5 }]);
      const events = await bank.events();
      expect(events.filter((e) => e.kind !== 'EVENTS_LOST').map((e) => e.seq)).toEqual([1, 2, 3, 6]);
      expect(events.filter((e) => e.kind === 'EVENTS_LOST').map((e) => e.seq)).toEqual([5]);
      expect(await bank.acceptedThroughSeq()).toBe(6);
      expect(c.nextSeq).toBe(7);
    });

    it('on a rotated token (a new generation) renumbers the journal from 1: nothing journaled is lost', async () => {
      const bank = await target.createBank();
      const journal = new MemoryJournal();
      const before = controller(bank, { journal });
      await before.start();
      before.deposit('A01');
      await before.flush(FLUSH);
      await before.disconnect();
      before.openDoor('A02');
      before.closeDoor('A02');
      await before.stop();
      const token = await bank.rotateToken();
      const after = controller(bank, { deviceToken: token, journal }); // the same controller, re-provisioned
      await after.start();
      await after.flush(FLUSH);
      expect(after.tokenGeneration).toBe(2);
      const events = await bank.events();
      expect(events.map((e) => [e.seq, e.generation, e.kind, e.label])).toEqual([
        [1, 2, 'DOOR_OPENED', 'A02'],
        [2, 2, 'DOOR_CLOSED', 'A02'],
      ]);
      expect(after.nextSeq).toBe(3);
    });

    it('sends a health report after the ack: uptime, journal depth, firmware, power, signal', async () => {
      const bank = await target.createBank();
      const c = controller(bank, { signalDbm: -67, healthIntervalMs: 200 });
      const reports: string[] = [];
      c.on('health', (h) => reports.push(h.input.power ?? ''));
      await c.start();
      await until(() => reports.length >= 1);
      expect((await bank.controller())?.health).toMatchObject({
        outboxDepth: 0,
        firmware: SIMULATOR_VERSION,
        power: 'MAINS',
        signalDbm: -67,
      });
      c.powerLost();
      await until(() => reports.includes('BATTERY'));
      await until(async () => (await bank.controller())?.health?.power === 'BATTERY');
    });
  });

  describe('commands', () => {
    it('opens the door, acknowledges OPENED, and the server records the answer', async () => {
      const bank = await target.createBank();
      const c = controller(bank);
      const confirmed: { id: string; status: string | null }[] = [];
      c.on('commandAcknowledged', (a) => confirmed.push(a));
      await c.start();
      const next = c.nextCommand(3000); // listening first: the command may beat openDoor's answer
      const id = await bank.openDoor('A03');
      const handled = await next;
      expect(handled).toMatchObject({ outcome: 'OPENED', duplicate: false });
      expect(handled.command.id).toBe(id);
      expect(c.compartment('A03')?.door).toBe('OPEN');
      await until(() => confirmed.length === 1);
      expect(confirmed[0]).toEqual({ id, outcome: 'OPENED', status: 'DONE' });
    });

    it('receives a command issued while it was away (within the grace period) once it is back', async () => {
      const bank = await target.createBank();
      const c = controller(bank);
      await c.start();
      await c.disconnect();
      const id = await bank.openDoor('A04');
      const next = c.nextCommand(3000);
      await c.reconnect();
      const handled = await next;
      expect(handled).toMatchObject({ outcome: 'OPENED' });
      expect(handled.command.id).toBe(id);
    });

    it('refuses a second lockerCommands on one connection (ALREADY_SUBSCRIBED); the first keeps delivering', async () => {
      const bank = await target.createBank();
      const device = raw({ deviceToken: bank.token, protocolVersion: 2 });
      await device.ack;
      const delivered: string[] = [];
      device.client.subscribe<{ lockerCommands: { id: string } }>(
        { query: COMMANDS },
        { next: (r) => r.data && delivered.push(r.data.lockerCommands.id), error: () => {}, complete: () => {} },
      );
      await sleep(100);
      const second = await soon(device.execute(COMMANDS), 'answer to the second subscription');
      expect(second.errors?.[0]?.extensions?.code).toBe('ALREADY_SUBSCRIBED');
      const id = await bank.openDoor('A01');
      await until(() => delivered.includes(id));
      expect(delivered).toEqual([id]);
    });
  });

  describe('refusals, as the protocol names them', () => {
    async function connected(bank: TargetBank): Promise<RawDevice> {
      const device = raw({ deviceToken: bank.token, protocolVersion: 2, controller: { time: iso() } });
      await device.ack;
      return device;
    }

    it('an empty batch, or one over maxBatchEvents, is refused as a whole with BAD_USER_INPUT', async () => {
      const bank = await target.createBank();
      const device = await connected(bank);
      const empty = await device.execute(REPORT, { events: [] });
      expect(empty.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      const many = Array.from({ length: 501 }, (_, i) => ({ seq: i + 1, label: 'A01', kind: 'TAMPER', at: iso() }));
      const tooMany = await device.execute(REPORT, { events: many });
      expect(tooMany.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(await bank.acceptedThroughSeq()).toBe(0);
    });

    it('a seq that is not a whole number from 1 refuses the batch, naming the event (index) and the field', async () => {
      const bank = await target.createBank();
      const device = await connected(bank);
      const res = await device.execute(REPORT, {
        events: [
          { seq: 1, label: 'A01', kind: 'DOOR_OPENED', at: iso() },
          { seq: 0, label: 'A01', kind: 'DOOR_CLOSED', at: iso() },
        ],
      });
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', index: 1, field: 'seq' });
      expect(await bank.acceptedThroughSeq()).toBe(0);
    });

    it('a label that is not a string is refused by GraphQL itself, naming the path', async () => {
      const bank = await target.createBank();
      const device = await connected(bank);
      const res = await device.execute(REPORT, { events: [{ seq: 1, label: 7, kind: 'DOOR_OPENED', at: iso() }] });
      expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(res.errors?.[0]?.message).toMatch(/events\[0\]\.label/);
    });

    it('markLockerEventsLost must start right after the log: otherwise BAD_USER_INPUT with acceptedThroughSeq', async () => {
      const bank = await target.createBank();
      const device = await connected(bank);
      const res = await device.execute(MARK_LOST, { from: 5, through: 9, reason: 'storage replaced' });
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', acceptedThroughSeq: 0 });
      const ok = await device.execute<{ markLockerEventsLost: { acceptedThroughSeq: number } }>(MARK_LOST, {
        from: 1,
        through: 9,
        reason: 'storage replaced',
      });
      expect(ok.data?.markLockerEventsLost.acceptedThroughSeq).toBe(9);
    });

    it('a health report whose time has no zone is refused with BAD_USER_INPUT', async () => {
      const bank = await target.createBank();
      const device = await connected(bank);
      const res = await device.execute(HEALTH, { input: { at: '2026-11-27T08:00:00' } });
      expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      const ok = await device.execute<{ reportControllerHealth: { clockOffsetMs: number } }>(HEALTH, {
        input: { at: iso(), outboxDepth: 0 },
      });
      expect(typeof ok.data?.reportControllerHealth.clockOffsetMs).toBe('number');
    });

    it('acknowledging a command this bank never had is NOT_FOUND', async () => {
      const bank = await target.createBank();
      const device = await connected(bank);
      const res = await device.execute(ACK, { id: 'cmd_nonexistent' });
      expect(res.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    });
  });
});

describe.each(TARGETS)('against the $name server announcing maxBatchEvents 5', (spec) => {
  let target: ProtocolTarget;
  const controllers: SimulatedController[] = [];
  beforeAll(async () => {
    target = await spec.start({ maxBatchEvents: 5 });
  }, 60_000);
  afterAll(async () => {
    await Promise.all(controllers.splice(0).map((c) => c.stop()));
    await target.stop();
  });

  it('sends its backlog in batches the ack allows, none refused', async () => {
    const bank = await target.createBank();
    const c = new SimulatedController({ url: target.url, deviceToken: bank.token, ...FAST });
    controllers.push(c);
    await c.start();
    expect(c.limits.maxBatchEvents).toBe(5);
    await c.disconnect();
    for (let i = 0; i < 12; i++) c.record('A04', i % 2 ? 'DOOR_CLOSED' : 'DOOR_OPENED');
    const flushed = c.flush(FLUSH);
    await c.reconnect();
    await flushed;
    expect((await bank.events()).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(c.stats.batches).toBe(3);
  });
});
