/**
 * The controller event journal (src/devices/PROTOCOL.md 3 and 4) against the
 * real server: real graphql-ws controllers, a freshly migrated database each
 * time. Rejections that never block the journal, conflicts, numbering across
 * token rotation and up to 2^53 − 1, lost ranges, the frame, the time rules,
 * the alerts they raise, and the staff's paged event log.
 */
import type { Client } from 'graphql-ws';
import { describe, expect, it } from 'vitest';
import { eventually } from './helpers/parcels.js';
import { connected, execute, sleep, startTestServer, type TestServer } from './helpers/server.js';

const REPORT = `mutation ($events: [LockerEventInput!]!) {
  reportLockerEvents(events: $events) {
    acceptedThroughSeq resendFromSeq stored duplicates
    rejected { seq reason message } flagged { seq flag message } conflicts { seq storedKind storedLabel storedAt }
  }
}`;
const LOST = `mutation ($from: SafeInt!, $through: SafeInt!, $reason: String!) {
  markLockerEventsLost(fromSeq: $from, throughSeq: $through, reason: $reason) { acceptedThroughSeq resendFromSeq stored }
}`;
const LOG = `query ($id: ID!, $first: Int, $after: String, $problems: Boolean) {
  lockerEventLog(bankId: $id, first: $first, after: $after, problemsOnly: $problems) {
    events {
      id seq generation kind reportedKind compartmentLabel occurredAt receivedAt reportedAt
      rejection flags code faultCode detail
    }
    endCursor hasNextPage
  }
}`;
const ALERTS = `{ staffAlerts(includeResolved: true) { kind bankId compartmentLabel message resolvedAt } }`;

interface LogEvent {
  id: string;
  seq: number | null;
  generation: number | null;
  kind: string;
  reportedKind: string | null;
  compartmentLabel: string | null;
  occurredAt: string;
  receivedAt: string;
  reportedAt: string | null;
  rejection: string | null;
  flags: string[];
  code: string | null;
  faultCode: string | null;
  detail: string | null;
}

const now = () => new Date().toISOString();
const ev = (seq: number, label: string | null, kind: string, extra: Record<string, unknown> = {}) => ({
  seq,
  ...(label ? { label } : {}),
  kind,
  at: now(),
  ...extra,
});

/** A bank with a controller connected over graphql-ws, and the calls a controller makes. */
async function bankWithController(server: TestServer, opts: { count?: number; department?: string | null } = {}) {
  const bank = await server.createBank({ count: opts.count ?? 8, department: opts.department ?? null });
  const controller = server.wsClient({ deviceToken: bank.deviceToken });
  const ack = await connected<{ acceptedThroughSeq: number }>(controller);
  return { ...bank, ack, controller, ...callsOf(controller) };
}

function callsOf(controller: Client) {
  return {
    report: (events: unknown[]) => execute(controller, REPORT, { events }),
    lost: (from: number, through: number, reason = 'journal storage replaced') =>
      execute(controller, LOST, { from, through, reason }),
  };
}

/** The whole log of a bank, newest first, walking every page. */
async function wholeLog(server: TestServer, bankId: string, opts: { first?: number; problems?: boolean } = {}) {
  const events: LogEvent[] = [];
  let after: string | null = null;
  let pages = 0;
  for (;;) {
    const res: { data?: any; errors?: unknown } = await server.gql(LOG, {
      id: bankId,
      first: opts.first ?? 500,
      after,
      problems: opts.problems ?? false,
    });
    if (!res.data) throw new Error(JSON.stringify(res.errors));
    const page = res.data.lockerEventLog;
    events.push(...page.events);
    pages++;
    if (!page.hasNextPage) {
      expect(page.endCursor).toBeNull();
      return { events, pages };
    }
    after = page.endCursor;
  }
}

const controllerEvents = (events: LogEvent[]) => events.filter((e) => e.seq !== null);

interface CompartmentView {
  label: string;
  door: string;
  occupancy: string;
  state: string;
}

async function compartments(server: TestServer, bankId: string) {
  const res = await server.gql(
    `query ($id: ID!) { lockerBank(id: $id) { acceptedThroughSeq compartments { label door occupancy state } } }`,
    { id: bankId },
  );
  const bank = res.data.lockerBank;
  return {
    acceptedThroughSeq: bank.acceptedThroughSeq as number,
    byLabel: Object.fromEntries((bank.compartments as CompartmentView[]).map((c) => [c.label, c])),
  };
}

/** Stands in for the connection side's clock measurement (connection_init `controller.time`). */
async function measuredOffset(server: TestServer, bankId: string, offsetMs: number) {
  const { db } = server.services;
  const { bankControllers } = db.tables;
  await db.transaction(async (tx) => {
    await tx
      .insert(bankControllers)
      .values({ bankId, protocolVersion: 2, clockOffsetMs: offsetMs, clockMeasuredAt: new Date() })
      .onConflictDoUpdate({ target: bankControllers.bankId, set: { clockOffsetMs: offsetMs } });
  });
}

describe('one bad event never blocks the journal', () => {
  it('stores a poison event mid-journal without effect, says why per event, and applies the events after it', async () => {
    const server = await startTestServer();
    const { bankId, report } = await bankWithController(server);
    const res = await report([
      ev(1, 'A01', 'DOOR_OPENED'),
      ev(2, 'A01', 'DOOR_FORCED', { detail: 'newer firmware' }),
      ev(3, 'A01', 'FAULT', { code: 'LOCK_JAMMED', detail: 'x'.repeat(600) }),
      ev(4, 'A01', 'OCCUPIED', { at: '2026-11-27T08:00:00' }),
      ev(5, 'Z99', 'DOOR_OPENED'),
      ev(6, 'A01', 'DOOR_CLOSED'),
      ev(7, 'B01', 'OCCUPIED'),
    ]);
    expect(res.errors).toBeUndefined();
    const answer = res.data.reportLockerEvents;
    expect(answer).toMatchObject({
      acceptedThroughSeq: 7,
      resendFromSeq: null,
      stored: 7,
      duplicates: 0,
      conflicts: [],
    });
    expect(answer.rejected.map((r: { seq: number; reason: string }) => [r.seq, r.reason])).toEqual([
      [2, 'UNKNOWN_KIND'],
      [4, 'INVALID_TIME'],
      [5, 'UNKNOWN_COMPARTMENT'],
    ]);
    expect(answer.rejected[0].message).toMatch(/DOOR_FORCED/);
    expect(answer.rejected[2].message).toMatch(/Z99/);
    expect(answer.flagged).toEqual([{ seq: 3, flag: 'TRUNCATED', message: expect.stringMatching(/500/) }]);

    // Applied: open, fault, close on A01 and occupied on B01. The zone-less OCCUPIED changed nothing.
    const { byLabel } = await compartments(server, bankId);
    expect(byLabel.A01).toEqual({ label: 'A01', door: 'CLOSED', occupancy: 'UNKNOWN', state: 'FAULT' });
    expect(byLabel.B01).toMatchObject({ occupancy: 'OCCUPIED', state: 'IN_USE' });

    // Staff see each problem in the log, newest first; the unknown kind is kept as sent.
    const problems = (await wholeLog(server, bankId, { problems: true })).events;
    expect(problems.map((e) => [e.seq, e.kind, e.rejection, e.flags])).toEqual([
      [5, 'DOOR_OPENED', 'UNKNOWN_COMPARTMENT', []],
      [4, 'OCCUPIED', 'INVALID_TIME', []],
      [3, 'FAULT', null, ['TRUNCATED']],
      [2, 'UNRECOGNISED', 'UNKNOWN_KIND', []],
    ]);
    const [lostLabel, zoneless, fault, unknown] = problems;
    expect(lostLabel).toMatchObject({ compartmentLabel: 'Z99' });
    expect(zoneless).toMatchObject({ reportedAt: '2026-11-27T08:00:00' });
    expect(Date.parse(zoneless!.occurredAt)).toBe(Date.parse(zoneless!.receivedAt));
    expect(fault).toMatchObject({ code: 'LOCK_JAMMED', faultCode: 'LOCK_JAMMED', detail: 'x'.repeat(500) });
    expect(unknown).toMatchObject({ reportedKind: 'DOOR_FORCED', compartmentLabel: 'A01', detail: 'newer firmware' });
    const all = (await wholeLog(server, bankId)).events;
    expect(all.find((e) => e.seq === 1)).toMatchObject({
      kind: 'DOOR_OPENED',
      reportedKind: 'DOOR_OPENED',
      generation: 1,
    });

    // One EVENT_REJECTED alert for the bank, naming the first rejected seq and its reason.
    const alerts = await eventually(async () => {
      const r = await server.gql(ALERTS);
      const found = r.data.staffAlerts.filter((a: { kind: string }) => a.kind === 'EVENT_REJECTED');
      return found.length ? found : null;
    });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ bankId, resolvedAt: null });
    expect(alerts[0].message).toMatch(/event 2 \(DOOR_FORCED A01\).*UNKNOWN_KIND/);
  });

  it('keeps kinds of any shape as sent, and a further rejection adds no second alert while one is open', async () => {
    const server = await startTestServer();
    const { bankId, report } = await bankWithController(server);
    await report([ev(1, 'A01', 'DOOR_FORCED')]);
    const res = await report([
      ev(2, 'A01', 42 as unknown as string),
      ev(3, null, 'K'.repeat(80)),
      ev(4, 'A01', 'CHARGING'),
    ]);
    expect(res.data.reportLockerEvents).toMatchObject({ acceptedThroughSeq: 4, stored: 3 });
    expect(res.data.reportLockerEvents.rejected.map((r: { reason: string }) => r.reason)).toEqual([
      'UNKNOWN_KIND',
      'UNKNOWN_KIND',
    ]);
    const log = (await wholeLog(server, bankId, { problems: true })).events;
    expect(log.map((e) => [e.seq, e.kind, e.reportedKind])).toEqual([
      [3, 'UNRECOGNISED', 'K'.repeat(64)],
      [2, 'UNRECOGNISED', '42'],
      [1, 'UNRECOGNISED', 'DOOR_FORCED'],
    ]);
    await sleep(100);
    const alerts = (await server.gql(ALERTS)).data.staffAlerts.filter(
      (a: { kind: string }) => a.kind === 'EVENT_REJECTED',
    );
    expect(alerts).toHaveLength(1);
  });

  it('rejects an event over maxEventBytes as TOO_LARGE, stored with its detail cut, and takes the next', async () => {
    const server = await startTestServer();
    const { bankId, report } = await bankWithController(server);
    const res = await report([ev(1, 'A01', 'FAULT', { detail: 'é'.repeat(800) }), ev(2, 'A01', 'DOOR_OPENED')]);
    expect(res.data.reportLockerEvents).toMatchObject({
      acceptedThroughSeq: 2,
      stored: 2,
      rejected: [{ seq: 1, reason: 'TOO_LARGE' }],
      flagged: [],
    });
    const { byLabel } = await compartments(server, bankId);
    expect(byLabel.A01).toMatchObject({ door: 'OPEN', state: 'AVAILABLE' });
    const [big] = (await wholeLog(server, bankId, { problems: true })).events;
    expect(big).toMatchObject({ seq: 1, rejection: 'TOO_LARGE', detail: 'é'.repeat(500) });
  });
});

describe('seqs', () => {
  it('answers a seq stored with other content as a conflict, and stores the renumbered events after acceptedThroughSeq', async () => {
    const server = await startTestServer();
    const { bankId, report } = await bankWithController(server);
    const first = [ev(1, 'A01', 'DOOR_OPENED'), ev(2, 'A01', 'OCCUPIED'), ev(3, 'A01', 'DOOR_CLOSED')];
    await report(first);
    // The same events again, even with `at` written in another zone: duplicates.
    const again = await report(first.map((e) => ({ ...e, at: new Date(e.at).toISOString().replace('Z', '+00:00') })));
    expect(again.data.reportLockerEvents).toMatchObject({
      acceptedThroughSeq: 3,
      stored: 0,
      duplicates: 3,
      conflicts: [],
    });

    // The controller lost its counter and numbers from 1 again.
    const restarted = [ev(1, 'B01', 'DOOR_OPENED'), ev(2, 'B01', 'DOOR_CLOSED')];
    const conflict = await report(restarted);
    expect(conflict.data.reportLockerEvents).toMatchObject({ acceptedThroughSeq: 3, stored: 0, duplicates: 0 });
    expect(conflict.data.reportLockerEvents.conflicts).toEqual([
      { seq: 1, storedKind: 'DOOR_OPENED', storedLabel: 'A01', storedAt: new Date(first[0]!.at).toISOString() },
      { seq: 2, storedKind: 'OCCUPIED', storedLabel: 'A01', storedAt: new Date(first[1]!.at).toISOString() },
    ]);
    // Each differing field counts: the label, the time, the detail, the code.
    const subtle = await report([
      { ...first[0], label: 'a02' },
      { ...first[1], at: new Date(Date.parse(first[1]!.at) + 1).toISOString() },
      { ...first[2], detail: 'x' },
    ]);
    expect(subtle.data.reportLockerEvents.conflicts.map((c: { seq: number }) => c.seq)).toEqual([1, 2, 3]);

    const renumbered = await report(restarted.map((e, i) => ({ ...e, seq: 4 + i })));
    expect(renumbered.data.reportLockerEvents).toMatchObject({ acceptedThroughSeq: 5, stored: 2, conflicts: [] });
    const log = controllerEvents((await wholeLog(server, bankId)).events);
    expect(log.map((e) => [e.seq, e.kind, e.compartmentLabel])).toEqual([
      [5, 'DOOR_CLOSED', 'B01'],
      [4, 'DOOR_OPENED', 'B01'],
      [3, 'DOOR_CLOSED', 'A01'],
      [2, 'OCCUPIED', 'A01'],
      [1, 'DOOR_OPENED', 'A01'],
    ]);
  });

  it('refuses a batch with a seq that is not one as a whole, naming its index, and stores nothing', async () => {
    const server = await startTestServer();
    const { bankId, report } = await bankWithController(server);
    for (const [events, index] of [
      [[ev(1, 'A01', 'DOOR_OPENED'), ev(2, 'A01', 'DOOR_CLOSED'), { ...ev(3, 'A01', 'DOOR_OPENED'), seq: 'abc' }], 2],
      [[ev(1, 'A01', 'DOOR_OPENED'), { ...ev(2, 'A01', 'DOOR_CLOSED'), seq: 1.5 }], 1],
      [[{ ...ev(1, 'A01', 'DOOR_OPENED'), seq: -1 }], 0],
      [[{ ...ev(1, 'A01', 'DOOR_OPENED'), seq: 0 }], 0],
      [[{ ...ev(1, 'A01', 'DOOR_OPENED'), seq: '1' }], 0],
      [[ev(1, 'A01', 'DOOR_OPENED'), { ...ev(2, 'A01', 'DOOR_CLOSED'), seq: 2 ** 53 }], 1],
    ] as const) {
      const res = await report([...events]);
      expect(res.errors?.[0]?.extensions, JSON.stringify(events)).toMatchObject({
        code: 'BAD_USER_INPUT',
        index,
        field: 'seq',
      });
      expect(res.errors?.[0]?.message).toContain(`events[${index}].seq`);
    }
    expect(controllerEvents((await wholeLog(server, bankId)).events)).toEqual([]);
    // The socket still serves the controller.
    expect((await report([ev(1, 'A01', 'DOOR_OPENED')])).data.reportLockerEvents.stored).toBe(1);
  });

  it('numbers past 2^31 and 2^32 up to 2^53 − 1 exactly, and refuses 2^53 with its index', async () => {
    const server = await startTestServer();
    const { bankId, report, lost } = await bankWithController(server);
    const at = (r: { data?: any; errors?: unknown }) => {
      if (!r.data) throw new Error(JSON.stringify(r.errors));
      return Object.values(r.data)[0] as { acceptedThroughSeq: number };
    };
    // A fresh generation starts where the first batch does.
    expect(
      at(await report([ev(2 ** 31, 'A01', 'DOOR_OPENED'), ev(2 ** 31 + 1, 'A01', 'DOOR_CLOSED')])).acceptedThroughSeq,
    ).toBe(2 ** 31 + 1);
    expect(at(await lost(2 ** 31 + 2, 2 ** 32 - 1)).acceptedThroughSeq).toBe(2 ** 32 - 1);
    expect(
      at(await report([ev(2 ** 32, 'A01', 'DOOR_OPENED'), ev(2 ** 32 + 1, 'A01', 'DOOR_CLOSED')])).acceptedThroughSeq,
    ).toBe(2 ** 32 + 1);
    expect(at(await lost(2 ** 32 + 2, 2 ** 53 - 3)).acceptedThroughSeq).toBe(2 ** 53 - 3);
    expect(
      at(await report([ev(2 ** 53 - 2, 'A01', 'DOOR_OPENED'), ev(2 ** 53 - 1, 'A01', 'DOOR_CLOSED')]))
        .acceptedThroughSeq,
    ).toBe(2 ** 53 - 1);
    // One past the top is no seq at all.
    const past = await report([ev(2 ** 53, 'A01', 'DOOR_OPENED')]);
    expect(past.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', index: 0, field: 'seq' });

    const { acceptedThroughSeq } = await compartments(server, bankId);
    expect(acceptedThroughSeq).toBe(2 ** 53 - 1);
    const seqs = controllerEvents((await wholeLog(server, bankId)).events).map((e) => [e.seq, e.kind]);
    expect(seqs).toEqual([
      [2 ** 53 - 1, 'DOOR_CLOSED'],
      [2 ** 53 - 2, 'DOOR_OPENED'],
      [2 ** 53 - 3, 'EVENTS_LOST'],
      [2 ** 32 + 1, 'DOOR_CLOSED'],
      [2 ** 32, 'DOOR_OPENED'],
      [2 ** 32 - 1, 'EVENTS_LOST'],
      [2 ** 31 + 1, 'DOOR_CLOSED'],
      [2 ** 31, 'DOOR_OPENED'],
    ]);
  });

  it('loses nothing across a token rotation for a controller that keeps its numbering', async () => {
    const server = await startTestServer();
    const { bankId, report } = await bankWithController(server);
    const journal = Array.from({ length: 15 }, (_, i) => ev(i + 1, 'A01', i % 2 ? 'DOOR_CLOSED' : 'DOOR_OPENED'));
    expect((await report(journal.slice(0, 10))).data.reportLockerEvents.acceptedThroughSeq).toBe(10);
    // 11…15 are still in the controller's journal when the administrator rotates its token.
    const rotated = await server.gql(`mutation ($id: ID!) { rotateDeviceToken(bankId: $id) { deviceToken } }`, {
      id: bankId,
    });
    const fresh = server.wsClient({ deviceToken: rotated.data.rotateDeviceToken.deviceToken });
    const ack = await connected<{ acceptedThroughSeq: number }>(fresh);
    expect(ack.acceptedThroughSeq).toBe(0);
    const calls = callsOf(fresh);
    // It sends its journal as it is: the first batch of the fresh generation fixes where numbering starts.
    const resent = await calls.report(journal.slice(10));
    expect(resent.data.reportLockerEvents).toMatchObject({ acceptedThroughSeq: 15, resendFromSeq: null, stored: 5 });
    // … and numbers new events after it, as usual from now on (a gap is a gap again).
    const next = await calls.report([ev(16, 'A01', 'DOOR_OPENED'), ev(18, 'A01', 'DOOR_CLOSED')]);
    expect(next.data.reportLockerEvents).toMatchObject({ acceptedThroughSeq: 16, resendFromSeq: 17, stored: 1 });

    const log = controllerEvents((await wholeLog(server, bankId)).events).reverse();
    expect(log.map((e) => [e.generation, e.seq])).toEqual([
      ...Array.from({ length: 10 }, (_, i) => [1, i + 1]),
      ...Array.from({ length: 6 }, (_, i) => [2, i + 11]),
    ]);
  });

  it('takes a renumbered journal from 1 in a fresh generation too', async () => {
    const server = await startTestServer();
    const { bankId, report } = await bankWithController(server);
    await report([ev(1, 'A01', 'DOOR_OPENED'), ev(2, 'A01', 'DOOR_CLOSED')]);
    const rotated = await server.gql(`mutation ($id: ID!) { rotateDeviceToken(bankId: $id) { deviceToken } }`, {
      id: bankId,
    });
    const fresh = server.wsClient({ deviceToken: rotated.data.rotateDeviceToken.deviceToken });
    await connected(fresh);
    const res = await callsOf(fresh).report([ev(1, 'B01', 'DOOR_OPENED'), ev(2, 'B01', 'DOOR_CLOSED')]);
    expect(res.data.reportLockerEvents).toMatchObject({ acceptedThroughSeq: 2, stored: 2, conflicts: [] });
    const log = controllerEvents((await wholeLog(server, bankId)).events).reverse();
    expect(log.map((e) => [e.generation, e.seq, e.compartmentLabel])).toEqual([
      [1, 1, 'A01'],
      [1, 2, 'A01'],
      [2, 1, 'B01'],
      [2, 2, 'B01'],
    ]);
  });
});

describe('markLockerEventsLost', () => {
  it('records a lost range as one EVENTS_LOST entry, moves acceptedThroughSeq, alerts staff, and treats its seqs as duplicates', async () => {
    const server = await startTestServer();
    const { bankId, report, lost } = await bankWithController(server);
    await report([ev(1, 'A01', 'DOOR_OPENED'), ev(2, 'A01', 'DOOR_CLOSED'), ev(3, 'B01', 'DOOR_OPENED')]);
    const res = await lost(4, 10, 'journal storage replaced');
    expect(res.data.markLockerEventsLost).toEqual({ acceptedThroughSeq: 10, resendFromSeq: null, stored: 1 });
    expect((await compartments(server, bankId)).acceptedThroughSeq).toBe(10);
    const [entry] = controllerEvents((await wholeLog(server, bankId, { problems: true })).events);
    expect(entry).toMatchObject({
      seq: 10,
      kind: 'EVENTS_LOST',
      reportedKind: null,
      generation: 1,
      compartmentLabel: null,
    });
    expect(entry!.detail).toBe('Events 4–10 lost: journal storage replaced');
    const alert = await eventually(async () =>
      (await server.gql(ALERTS)).data.staffAlerts.find((a: { kind: string }) => a.kind === 'EVENTS_LOST'),
    );
    expect(alert).toMatchObject({
      bankId,
      message: expect.stringContaining('Events 4–10 lost: journal storage replaced'),
    });

    // Events found later inside the range are duplicates, not stored; numbering continues after it.
    const late = await report([
      ev(7, 'A01', 'DOOR_OPENED'),
      ev(10, 'A01', 'DOOR_CLOSED'),
      ev(11, 'C01', 'DOOR_OPENED'),
    ]);
    expect(late.data.reportLockerEvents).toMatchObject({
      acceptedThroughSeq: 11,
      stored: 1,
      duplicates: 2,
      conflicts: [],
    });
    expect(controllerEvents((await wholeLog(server, bankId)).events).map((e) => e.seq)).toEqual([11, 10, 3, 2, 1]);
    // A single seq is a range too.
    expect((await lost(12, 12, 'bad flash page')).data.markLockerEventsLost.acceptedThroughSeq).toBe(12);
    expect(controllerEvents((await wholeLog(server, bankId)).events)[0]!.detail).toBe('Event 12 lost: bad flash page');
  });

  it('refuses a range that does not start right after acceptedThroughSeq, a backwards range and a bad reason; and people', async () => {
    const server = await startTestServer();
    const { bankId, report, lost } = await bankWithController(server);
    await report([ev(1, 'A01', 'DOOR_OPENED'), ev(2, 'A01', 'DOOR_CLOSED')]);
    for (const from of [2, 4, 1, 0, -5]) {
      const res = await lost(from, 20);
      expect(res.errors?.[0]?.extensions, `from ${from}`).toMatchObject({
        code: 'BAD_USER_INPUT',
        acceptedThroughSeq: 2,
      });
    }
    expect((await lost(3, 2)).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    for (const reason of ['', '   ', 'r'.repeat(501)]) {
      expect((await lost(3, 5, reason)).errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'reason',
      });
    }
    expect((await lost(3, 2 ** 53)).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const asPerson = await server.gql(LOST, { from: 3, through: 5, reason: 'x' });
    expect(asPerson.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await compartments(server, bankId)).acceptedThroughSeq).toBe(2);
    expect(controllerEvents((await wholeLog(server, bankId)).events).map((e) => e.seq)).toEqual([2, 1]);
    expect((await lost(3, 5, 'r'.repeat(500))).data.markLockerEventsLost.acceptedThroughSeq).toBe(5);
  });
});

describe('limits and the frame', () => {
  /** An event of exactly `bytes` bytes as JSON in UTF-8 with a 500-character detail ('€' is 3 bytes, 'é' 2, 'd' 1). */
  function eventOfBytes(seq: number, label: string, bytes: number) {
    const base = { seq, label, kind: 'FAULT', at: now(), detail: '' };
    const room = bytes - Buffer.byteLength(JSON.stringify(base));
    const odd = (room - 500) % 2;
    const threes = (room - 500 - odd) / 2;
    const detail = '€'.repeat(threes) + 'é'.repeat(odd) + 'd'.repeat(500 - threes - odd);
    const event = { ...base, detail };
    expect(detail).toHaveLength(500);
    expect(Buffer.byteLength(JSON.stringify(event))).toBe(bytes);
    return event;
  }

  it('answers a full batch of 500 maximum-size events on a socket that stays open', async () => {
    const server = await startTestServer();
    const { bankId, controller, report } = await bankWithController(server);
    let closed: unknown = null;
    controller.on('closed', (e) => (closed = e));
    const labels = ['A01', 'B01', 'C01', 'D01', 'A02', 'B02', 'C02', 'D02'];
    const batch = Array.from({ length: 500 }, (_, i) => eventOfBytes(i + 1, labels[i % 8]!, 1536));
    expect(Buffer.byteLength(JSON.stringify(batch))).toBeGreaterThan(500 * 1536);
    const res = await report(batch);
    expect(res.errors).toBeUndefined();
    expect(res.data.reportLockerEvents).toMatchObject({
      acceptedThroughSeq: 500,
      stored: 500,
      rejected: [],
      flagged: [],
    });
    expect(closed).toBeNull();
    // One byte more in one event: that event is rejected, the batch is still answered.
    const next = await report([eventOfBytes(501, 'A01', 1537), eventOfBytes(502, 'A01', 1536)]);
    expect(next.data.reportLockerEvents).toMatchObject({
      acceptedThroughSeq: 502,
      rejected: [{ seq: 501, reason: 'TOO_LARGE' }],
    });
    expect(controllerEvents((await wholeLog(server, bankId)).events)).toHaveLength(502);
    expect(closed).toBeNull();
  });

  it('refuses a batch of more than maxBatchEvents × maxEventBytes bytes as a whole', async () => {
    const server = await startTestServer({ DEVICE_BATCH_LIMIT: '10' });
    const { bankId, report } = await bankWithController(server);
    // 10 events of some 2,500 bytes: each would be TOO_LARGE, and together they pass 10 × 1,536.
    const res = await report(
      Array.from({ length: 10 }, (_, i) => ev(i + 1, 'A01', 'FAULT', { detail: '\u0001'.repeat(400) })),
    );
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0]?.message).toMatch(/bytes/);
    expect(controllerEvents((await wholeLog(server, bankId)).events)).toEqual([]);
  });
});

describe('time (PROTOCOL.md 4)', () => {
  it('corrects times by a measured offset beyond the tolerance, and stores times outside the window at receipt', async () => {
    const server = await startTestServer();
    const fast = await bankWithController(server);
    await measuredOffset(server, fast.bankId, 2 * 3_600_000); // the controller's clock is 2 h fast
    const happened = Date.now() - 5_000;
    const saysAt = new Date(happened + 2 * 3_600_000).toISOString();
    const res = await fast.report([ev(1, 'A01', 'DOOR_OPENED', { at: saysAt })]);
    expect(res.data.reportLockerEvents.flagged).toEqual([
      { seq: 1, flag: 'CLOCK_CORRECTED', message: expect.stringMatching(/7200000 ms/) },
    ]);
    const [corrected] = controllerEvents((await wholeLog(server, fast.bankId)).events);
    expect(corrected).toMatchObject({ flags: ['CLOCK_CORRECTED'], reportedAt: saysAt, rejection: null });
    expect(Date.parse(corrected!.occurredAt)).toBe(happened);

    // A version 1 controller: no offset. A time an hour ahead and one 40 days old are not believed.
    const v1 = await bankWithController(server);
    const ahead = new Date(Date.now() + 3_600_000).toISOString();
    const old = new Date(Date.now() - 40 * 24 * 3_600_000).toISOString();
    const withinWindow = new Date(Date.now() - 20 * 24 * 3_600_000).toISOString();
    const out = await v1.report([
      ev(1, 'A01', 'DOOR_OPENED', { at: ahead }),
      ev(2, 'A01', 'DOOR_CLOSED', { at: old }),
      ev(3, 'A01', 'DOOR_OPENED', { at: withinWindow }),
    ]);
    expect(out.data.reportLockerEvents.flagged.map((f: { seq: number; flag: string }) => [f.seq, f.flag])).toEqual([
      [1, 'CLOCK_OUT_OF_RANGE'],
      [2, 'CLOCK_OUT_OF_RANGE'],
    ]);
    const log = controllerEvents((await wholeLog(server, v1.bankId)).events).reverse();
    for (const e of log.slice(0, 2)) expect(Date.parse(e.occurredAt)).toBe(Date.parse(e.receivedAt));
    expect(log.map((e) => e.reportedAt)).toEqual([ahead, old, null]);
    expect(log[2]!.occurredAt).toBe(withinWindow);
    // Flagged events are applied: the door is open (seq 3).
    expect((await compartments(server, v1.bankId)).byLabel.A01!.door).toBe('OPEN');
  });

  it('times a door left open from the event when the clock is trusted, otherwise from its receipt', async () => {
    const server = await startTestServer({ DOOR_LEFT_OPEN_SECONDS: '5' });
    const trusted = await bankWithController(server);
    await measuredOffset(server, trusted.bankId, 200);
    const untrusted = await bankWithController(server);
    const tenSecondsAgo = new Date(Date.now() - 10_000).toISOString();
    await trusted.report([ev(1, 'A01', 'DOOR_OPENED', { at: tenSecondsAgo })]);
    await untrusted.report([ev(1, 'A01', 'DOOR_OPENED', { at: tenSecondsAgo })]);
    // The trusted bank's door has been open 10 s already: alerted at once.
    await eventually(async () =>
      (await server.gql(ALERTS)).data.staffAlerts.find(
        (a: { kind: string; bankId: string }) => a.kind === 'DOOR_LEFT_OPEN' && a.bankId === trusted.bankId,
      ),
    );
    // The other counts 5 s from receipt.
    await sleep(500);
    const alerts = (await server.gql(ALERTS)).data.staffAlerts.filter(
      (a: { kind: string }) => a.kind === 'DOOR_LEFT_OPEN',
    );
    expect(alerts.map((a: { bankId: string }) => a.bankId)).toEqual([trusted.bankId]);
    // A door opened and closed in the past within one batch raises nothing.
    const elsewhere = await bankWithController(server);
    await measuredOffset(server, elsewhere.bankId, 0);
    await elsewhere.report([
      ev(1, 'B01', 'DOOR_OPENED', { at: new Date(Date.now() - 60_000).toISOString() }),
      ev(2, 'B01', 'DOOR_CLOSED', { at: new Date(Date.now() - 50_000).toISOString() }),
    ]);
    await sleep(300);
    const after = (await server.gql(ALERTS)).data.staffAlerts.filter(
      (a: { kind: string; bankId: string }) => a.kind === 'DOOR_LEFT_OPEN' && a.bankId === elsewhere.bankId,
    );
    expect(after).toEqual([]);
  });
});

describe('bank-level conditions', () => {
  it('raises one BANK_CONDITION per bank and condition until it ends or staff resolve it', async () => {
    const server = await startTestServer();
    const { bankId, report } = await bankWithController(server);
    const res = await report([
      ev(1, null, 'POWER_LOST'),
      ev(2, null, 'UPS_ON_BATTERY'),
      ev(3, null, 'POWER_LOST'),
      ev(4, null, 'TEMPERATURE_HIGH', { detail: '47.5 C' }),
      ev(5, null, 'CABINET_TAMPER'),
      ev(6, 'A01', 'POWER_LOST'),
    ]);
    expect(res.data.reportLockerEvents).toMatchObject({ acceptedThroughSeq: 6, stored: 6, rejected: [] });
    const open = async () =>
      (await server.gql(ALERTS)).data.staffAlerts
        .filter((a: { kind: string; resolvedAt: string | null }) => a.kind === 'BANK_CONDITION' && !a.resolvedAt)
        .map((a: { message: string }) => a.message)
        .sort();
    expect(await open()).toEqual([
      expect.stringMatching(/cabinet opened or forced/),
      expect.stringMatching(/mains power lost/),
      expect.stringMatching(/running on its UPS battery/),
      expect.stringMatching(/temperature too high \(47\.5 C\)/),
    ]);
    await report([ev(7, null, 'POWER_RESTORED'), ev(8, null, 'TEMPERATURE_NORMAL')]);
    expect(await open()).toEqual([expect.stringMatching(/cabinet opened or forced/)]);
    // Bank-level events change no compartment.
    const { byLabel } = await compartments(server, bankId);
    expect(Object.values(byLabel).every((c) => c.state === 'AVAILABLE' && c.door === 'CLOSED')).toBe(true);
    // A power loss after the restore is a new alert.
    await report([ev(9, null, 'POWER_LOST')]);
    expect(await open()).toHaveLength(2);
  });

  it('refuses a compartment kind without a label, per event', async () => {
    const server = await startTestServer();
    const { report } = await bankWithController(server);
    const res = await report([ev(1, null, 'DOOR_OPENED'), ev(2, null, 'UPS_BATTERY_LOW')]);
    expect(res.data.reportLockerEvents).toMatchObject({
      acceptedThroughSeq: 2,
      rejected: [{ seq: 1, reason: 'INVALID_LABEL' }],
    });
  });
});

describe('the event log for staff', () => {
  it('walks a 1,200-event log page by page, newest first, with no duplicates and no gaps', async () => {
    const server = await startTestServer();
    const { bankId, report } = await bankWithController(server);
    const kinds = ['DOOR_OPENED', 'OCCUPIED', 'DOOR_CLOSED', 'DOOR_OPENED', 'EMPTY', 'DOOR_CLOSED'];
    // Batches of 200: a full batch's time is the business of the frame test above, not of this one.
    for (let batch = 0; batch < 6; batch++) {
      const events = Array.from({ length: 200 }, (_, i) => {
        const seq = batch * 200 + i + 1;
        // Every 100th is from newer firmware: a problem for the filtered view.
        return ev(seq, 'C02', seq % 100 === 0 ? 'DOOR_AJAR' : kinds[seq % kinds.length]!);
      });
      expect((await report(events)).data.reportLockerEvents.acceptedThroughSeq).toBe((batch + 1) * 200);
    }
    for (const first of [97, 500]) {
      const { events, pages } = await wholeLog(server, bankId, { first });
      const seqs = controllerEvents(events).map((e) => e.seq);
      expect(seqs).toEqual(Array.from({ length: 1200 }, (_, i) => 1200 - i));
      expect(events.filter((e) => e.kind === 'BANK_ONLINE')).toHaveLength(1);
      expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
      const ids = events.map((e) => Number(e.id));
      expect([...ids].sort((a, b) => b - a)).toEqual(ids);
      expect(pages).toBe(Math.ceil(1201 / first));
    }
    const problems = await wholeLog(server, bankId, { first: 5, problems: true });
    expect(problems.events.map((e) => e.seq)).toEqual([1200, 1100, 1000, 900, 800, 700, 600, 500, 400, 300, 200, 100]);
    expect(problems.pages).toBe(3);
    // The legacy list stays capped, newest first.
    const recent = await server.gql(`query ($id: ID!) { lockerEvents(bankId: $id, limit: 1000) { seq } }`, {
      id: bankId,
    });
    expect(recent.data.lockerEvents).toHaveLength(500);
    expect(recent.data.lockerEvents[0].seq).toBe(1200);
  }, 60_000);

  it('refuses a page size outside 1–500 and a cursor it did not make; the scope is that of lockerEvents', async () => {
    const server = await startTestServer();
    const { bankId, report } = await bankWithController(server, { department: 'Physics' });
    await report([ev(1, 'A01', 'DOOR_OPENED')]);
    for (const first of [0, -1, 501]) {
      const res = await server.gql(LOG, { id: bankId, first });
      expect(res.errors?.[0]?.extensions, `first ${first}`).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
    }
    for (const after of [
      '',
      'nope',
      Buffer.from('-3').toString('base64url'),
      Buffer.from('12abc').toString('base64url'),
    ]) {
      const res = await server.gql(LOG, { id: bankId, after });
      expect(res.errors?.[0]?.extensions, `after ${after}`).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    }
    const page = await server.gql(LOG, { id: bankId, first: 1 });
    expect(page.data.lockerEventLog).toMatchObject({ hasNextPage: true, endCursor: expect.any(String) });
    const physics = await server.tokenFor('DEPARTMENT', { department: 'Physics' });
    const chemistry = await server.tokenFor('DEPARTMENT', { department: 'Chemistry' });
    expect((await server.gql(LOG, { id: bankId }, physics)).data.lockerEventLog.events).toHaveLength(2);
    expect((await server.gql(LOG, { id: bankId }, chemistry)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(
      (await server.gql(LOG, { id: bankId }, await server.tokenFor('STUDENT'))).errors?.[0]?.extensions?.code,
    ).toBe('FORBIDDEN');
    expect(
      (await server.gql(LOG, { id: bankId }, await server.tokenFor('IT'))).data.lockerEventLog.events,
    ).toHaveLength(2);
  });
});
