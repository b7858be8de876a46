/**
 * The demo's background story against the real server and simulated
 * controllers that only do what they are told (no random activity): the
 * mailroom's parcels land in free compartments, the controllers carry out the
 * deposits, students collect, the banks are never filled past the limit, the
 * board never shows a compartment in use without a parcel (or a parcel
 * without its compartment), nothing goes to the desk, and a tamper alert is
 * checked and resolved.
 */
import { SimulatedController } from '@baylight/simulator';
import { describe, expect, it } from 'vitest';
import { seedDemo } from '../src/demo/seed.js';
import { DemoStory } from '../src/demo/story.js';
import { track } from './helpers/disposables.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/** A repeatable random sequence (the story's choices), so a failure can be replayed. */
function lcg(seed: number) {
  let x = seed;
  return () => {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
    return x / 2 ** 31;
  };
}

interface Board {
  lockerBanks: {
    name: string;
    counts: { total: number; available: number };
    compartments: { id: string; label: string; state: string; occupancy: string; door: string }[];
  }[];
  parcels: {
    id: string;
    status: string;
    pickupMethod: string | null;
    recipient: { id: string };
    compartment: { id: string } | null;
  }[];
  staffAlerts: { kind: string; resolvedAt: string | null; compartmentLabel: string | null }[];
}
const BOARD = `{
  lockerBanks { name counts { total available } compartments { id label state occupancy door } }
  parcels(limit: 500) { id status pickupMethod recipient { id } compartment { id } }
  staffAlerts(includeResolved: true) { kind resolvedAt compartmentLabel }
}`;

async function board(server: TestServer): Promise<Board> {
  const r = await server.gql<Board>(BOARD);
  if (!r.data) throw new Error(JSON.stringify(r.errors));
  return r.data;
}

/** Waits until every door is shut and no deposit is under way: the state a person would look at. */
async function settled(server: TestServer): Promise<Board> {
  const deadline = Date.now() + 10_000;
  let previous = '';
  for (;;) {
    const b = await board(server);
    const moving =
      b.lockerBanks.some((bank) => bank.compartments.some((c) => c.door !== 'CLOSED' || c.state === 'RESERVED')) ||
      b.parcels.some((p) => p.status === 'AWAITING_DEPOSIT');
    // The same board twice in a row: its banks and its parcels are separate reads, and on
    // PostgreSQL a pickup may commit between them (the next read, or a live update, shows both).
    const seen = JSON.stringify(b);
    if (!moving && seen === previous) return b;
    previous = seen;
    if (Date.now() > deadline) throw new Error(`the banks never settled: ${JSON.stringify(b)}`);
    // Slower than the token's rate limit (20 requests a second), like a person refreshing.
    await new Promise((r) => setTimeout(r, 150));
  }
}

describe('the demo story', () => {
  it('keeps the board, the desk and the alerts consistent while parcels come and go', async () => {
    // The test reads the whole board after every step, far more often than anyone would: its token's
    // budget and its address's (every request here comes from 127.0.0.1, and a read of 500 parcels
    // is charged for its estimated cost, RATE_LIMIT_COST_PER_TOKEN) are raised to match.
    const server = await startTestServer({
      RATE_LIMIT_TOKEN_BURST: '100000',
      RATE_LIMIT_TOKEN_PER_SECOND: '10000',
      RATE_LIMIT_CLIENT_BURST: '100000',
      RATE_LIMIT_CLIENT_PER_SECOND: '10000',
    });
    const seeded = await seedDemo(server.services, 8, { storyPeople: true });
    const controllers = seeded.devices.map((d) => {
      const c = new SimulatedController({
        url: server.wsUrl,
        deviceToken: d.deviceToken,
        closeAfterMs: 150,
        simulatePeople: true,
        retry: { minMs: 50, maxMs: 200 },
      });
      track(c, () => c.stop());
      return c;
    });
    await Promise.all(controllers.map((c) => c.start()));

    let now = Date.now();
    const lines: string[] = [];
    const story = new DemoStory(
      (query, variables, token) => server.gql(query, variables, token),
      {
        mailroom: { name: 'Mo Mailroom', token: seeded.tokens.mailroom },
        students: seeded.cast,
        guest: { id: seeded.studentId, email: 'student@demo.baylight.dev', waiting: 2 },
        kiosks: seeded.kiosks,
      },
      {
        intakeEveryMs: [1_000, 1_000],
        collectAfterMs: [6_000, 6_000],
        maxFill: 0.5,
        resolveTamperAfterMs: 10_000,
        kioskShare: 0.5,
        random: lcg(7),
        now: () => now,
        log: (line) => lines.push(line),
      },
    );

    for (let i = 0; i < 24; i++) {
      now += 2_000;
      await story.tick();
      const b = await settled(server);
      const active = new Map(
        b.parcels.filter((p) => p.status === 'READY_FOR_PICKUP' && p.compartment).map((p) => [p.compartment!.id, p]),
      );
      for (const bank of b.lockerBanks) {
        const used = bank.counts.total - bank.counts.available;
        // Never filled: half of each bank stays free for the person trying the demo.
        expect(used, `${bank.name} after tick ${i}`).toBeLessThanOrEqual(bank.counts.total / 2);
        for (const c of bank.compartments) {
          // The board and the parcels agree: a compartment is in use exactly when a parcel is in it.
          expect(c.state === 'IN_USE', `${bank.name} ${c.label} after tick ${i}`).toBe(active.has(c.id));
          if (active.has(c.id)) expect(c.occupancy).toBe('OCCUPIED');
        }
      }
      // The desk holds nothing: every intake found a free compartment.
      expect(b.parcels.filter((p) => p.status === 'AT_DESK')).toEqual([]);
    }

    // A pickup the story started last may still be on its way to the door (command sent,
    // door not yet open): wait for every one it counted to end, then for the banks to settle.
    let end = await settled(server);
    for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
      if (end.parcels.filter((p) => p.status === 'PICKED_UP').length >= story.counts.pickups) break;
      await new Promise((r) => setTimeout(r, 150));
      end = await settled(server);
    }
    const picked = end.parcels.filter((p) => p.status === 'PICKED_UP');
    expect(story.counts.intakes).toBeGreaterThanOrEqual(10);
    expect(story.counts.pickups).toBeGreaterThanOrEqual(5);
    expect(picked.length).toBe(story.counts.pickups);
    expect(new Set(picked.map((p) => p.pickupMethod))).toEqual(new Set(['CODE', 'REMOTE']));
    // The guest's two parcels are waiting for the guest, untouched.
    const guests = end.parcels.filter((p) => p.recipient.id === seeded.studentId);
    expect(guests.map((p) => p.status)).toEqual(['READY_FOR_PICKUP', 'READY_FOR_PICKUP']);
    expect(story.counts.failed).toBe(0);
    // No alert of any kind came out of it.
    expect(end.staffAlerts).toEqual([]);
    expect(lines.some((l) => /Mo Mailroom took in 1Z\w+ \(size [SML]\) for /.test(l))).toBe(true);
    expect(
      lines.some((l) => / collects 1Z\w+ from .+, opened (with the pickup code at the kiosk|from the app)\./.test(l)),
    ).toBe(true);

    // A forced door: staff look at it after a while and resolve the alert; a fault is told, and its fix.
    // (The story's clock meets the server's again: alert times are the server's.)
    now = Date.now();
    controllers[2]!.tamper('A01');
    controllers[1]!.fault('A02');
    await controllers[2]!.flush();
    await controllers[1]!.flush();
    now += 2_000;
    await story.tick();
    expect((await board(server)).staffAlerts).toMatchObject([{ kind: 'TAMPER', resolvedAt: null }]);
    controllers[1]!.clearFault('A02');
    await controllers[1]!.flush();
    now += 11_000;
    await story.tick();
    expect((await board(server)).staffAlerts).toMatchObject([{ kind: 'TAMPER', compartmentLabel: 'A01' }]);
    expect((await board(server)).staffAlerts[0]!.resolvedAt).not.toBeNull();
    expect(lines).toContain('Student Union A02 reports a fault: out of use until it is fixed.');
    expect(lines).toContain('Student Union A02 is fixed and back in use.');
    expect(lines).toContain(
      'Mo Mailroom checked Engineering A01 after the tamper alert: the door is shut and nothing is missing; alert resolved.',
    );
  });
});
