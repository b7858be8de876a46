import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chooseAction, parseScript, RandomActivity, ScriptRunner } from './activity.js';
import { SimulatedController, type CompartmentView } from './controller.js';
import { seededRandom } from './random.js';
import { FakeServer } from './testing/fake-server.js';
import type { LockerEventInput } from './types.js';

function view(over: Partial<CompartmentView> & { label: string }): CompartmentView {
  return {
    size: 'M',
    hasCharging: false,
    door: 'CLOSED',
    occupied: false,
    charging: 'IDLE',
    faulted: false,
    jammed: false,
    inService: false,
    depositId: null,
    ...over,
  };
}

describe('random activity and real parcels', () => {
  it('never touches a compartment holding something the server put there', () => {
    const random = seededRandom(7);
    const compartments = [view({ label: 'A01', occupied: true, inService: true }), view({ label: 'A02' })];
    const chosen = Array.from({ length: 200 }, () => chooseAction(compartments, random)?.label);
    expect(chosen).not.toContain('A01');
    expect(chosen).toContain('A02');
  });
});

describe('chooseAction', () => {
  it('only picks actions that make sense for the compartment', () => {
    const random = seededRandom(11);
    const bank = [
      view({ label: 'A01' }),
      view({ label: 'A02', occupied: true }),
      view({ label: 'A03', faulted: true }),
      view({ label: 'A04', occupied: true, hasCharging: true }),
    ];
    for (let i = 0; i < 500; i++) {
      const chosen = chooseAction(bank, random);
      expect(chosen).toBeDefined();
      const { action, label } = chosen!;
      if (action === 'deposit') expect(label).toBe('A01');
      if (action === 'pickup') expect(['A02', 'A04']).toContain(label);
      if (action === 'charge') expect(label).toBe('A04');
      if (action === 'clear-fault') expect(label).toBe('A03');
      expect(action).not.toBe('charged'); // nothing is charging
      expect(action).not.toBe('close'); // every door is closed
      if (label === 'A03') expect(action).toMatch(/clear-fault|tamper/);
    }
  });

  it('closes an open door first more often than not, and returns nothing for an empty bank', () => {
    const random = seededRandom(5);
    const counts = new Map<string, number>();
    for (let i = 0; i < 300; i++) {
      const a = chooseAction([view({ label: 'A01', door: 'OPEN' })], random)!.action;
      counts.set(a, (counts.get(a) ?? 0) + 1);
    }
    expect(counts.get('close')).toBeGreaterThan(200);
    expect(chooseAction([], random)).toBeUndefined();
  });
});

describe('parseScript', () => {
  it('reads an array of steps with defaults', () => {
    const script = parseScript([
      { label: 'A01', action: 'deposit' },
      { afterMs: 500, bank: 1, action: 'disconnect' },
    ]);
    expect(script).toEqual({
      loop: false,
      steps: [
        { afterMs: 0, bank: 0, label: 'A01', action: 'deposit' },
        { afterMs: 500, bank: 1, action: 'disconnect' },
      ],
    });
  });

  it('reads { loop, steps } and refuses bad steps with where and why', () => {
    expect(parseScript({ loop: true, steps: [{ afterMs: 10, label: 'A01', action: 'open' }] }).loop).toBe(true);
    expect(() => parseScript([{ action: 'deposit' }])).toThrow(/0: this action needs a label/);
    expect(() => parseScript([{ label: 'A01', action: 'explode' }])).toThrow(/0\.action/);
    expect(() => parseScript([{ afterMs: -1, label: 'A01', action: 'open' }])).toThrow(/afterMs/);
    expect(() => parseScript({ loop: true, steps: [{ label: 'A01', action: 'open' }] })).toThrow(/spin/);
  });
});

describe('activity against a server', () => {
  let server: FakeServer;
  const controllers: SimulatedController[] = [];
  beforeEach(async () => {
    server = new FakeServer();
    await server.start();
  });
  afterEach(async () => {
    await Promise.all(controllers.splice(0).map((c) => c.stop()));
    await server.stop();
  });

  async function connect(token: string, labels: string[], charging: string[] = []) {
    server.addBank({ token, labels, charging });
    const c = new SimulatedController({ url: server.url, deviceToken: token, flushIntervalMs: 1 });
    controllers.push(c);
    await c.start();
    return c;
  }

  /** Replays a bank's log and checks every event is physically possible. */
  function expectPlausible(log: LockerEventInput[]) {
    const door = new Map<string, string>();
    const occupied = new Map<string, boolean>();
    for (const e of log) {
      const label = e.label ?? ''; // bank-level events have none
      const open = door.get(label) === 'OPEN';
      switch (e.kind) {
        case 'DOOR_OPENED':
          expect(open, `seq ${e.seq}`).toBe(false);
          door.set(label, 'OPEN');
          break;
        case 'DOOR_CLOSED':
          expect(open, `seq ${e.seq}`).toBe(true);
          door.set(label, 'CLOSED');
          break;
        case 'OCCUPIED':
        case 'EMPTY':
          expect(open, `seq ${e.seq}: items move only through an open door`).toBe(true);
          expect(occupied.get(label) ?? false, `seq ${e.seq}`).toBe(e.kind === 'EMPTY');
          occupied.set(label, e.kind === 'OCCUPIED');
          break;
        case 'CHARGING':
          expect(occupied.get(label), `seq ${e.seq}: charging needs a device`).toBe(true);
          break;
        default:
          break;
      }
    }
  }

  it('random activity produces a plausible, gap-free log', async () => {
    const labels = ['A01', 'A02', 'A03', 'A04', 'A05', 'A06'];
    const c = await connect('tok-r', labels, ['A02']);
    const activity = new RandomActivity([c], { ratePerSecond: 1, random: seededRandom(42) });
    for (let i = 0; i < 400; i++) activity.step(c);
    expect(activity.actions).toBe(400);
    await c.flush({ timeoutMs: 5000 });
    const log = server.banks.get('tok-r')!.log;
    expect(log.length).toBeGreaterThan(400);
    expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
    expectPlausible(log);
    const kinds = new Set(log.map((e) => e.kind));
    for (const k of ['DOOR_OPENED', 'DOOR_CLOSED', 'OCCUPIED', 'EMPTY', 'CHARGING']) expect(kinds).toContain(k);
  });

  it('runs on its own at the configured rate and stops', async () => {
    const c = await connect('tok-t', ['A01', 'A02', 'A03']);
    const activity = new RandomActivity([c], { ratePerSecond: 50, random: seededRandom(1) });
    activity.start();
    await new Promise((r) => setTimeout(r, 400));
    activity.stop();
    const done = activity.actions;
    expect(done).toBeGreaterThan(5); // ~20 expected
    expect(done).toBeLessThan(60);
    await new Promise((r) => setTimeout(r, 100));
    expect(activity.actions).toBe(done);
  });

  it('a script drives the right banks, in order, with its delays', async () => {
    const first = await connect('tok-s1', ['A01', 'A02']);
    const second = await connect('tok-s2', ['A01']);
    const script = parseScript([
      { label: 'A02', action: 'deposit' },
      { afterMs: 50, bank: 1, label: 'A01', action: 'fault', detail: 'E99 test' },
      { afterMs: 50, bank: 1, label: 'A01', action: 'clear-fault' },
      { afterMs: 10, bank: 0, label: 'A02', action: 'pickup' },
    ]);
    const runner = new ScriptRunner([first, second], script);
    const started = Date.now();
    await runner.run();
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    expect(runner.stepsDone).toBe(4);
    await Promise.all([first.flush({ timeoutMs: 3000 }), second.flush({ timeoutMs: 3000 })]);
    expect(server.banks.get('tok-s1')!.log.map((e) => e.kind)).toEqual([
      'DOOR_OPENED',
      'OCCUPIED',
      'DOOR_CLOSED',
      'DOOR_OPENED',
      'EMPTY',
      'DOOR_CLOSED',
    ]);
    expect(server.banks.get('tok-s2')!.log.map((e) => [e.kind, e.detail])).toEqual([
      ['FAULT', 'E99 test'],
      ['FAULT_CLEARED', undefined],
    ]);
  });

  it('refuses a script that names a bank that is not there', () => {
    expect(() => new ScriptRunner([], parseScript([{ label: 'A01', action: 'open' }]))).toThrow(/only 0 bank/);
  });
});
