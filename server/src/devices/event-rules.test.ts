import { describe, expect, it } from 'vitest';
import {
  batchProblem,
  isClockTrusted,
  jsonBytes,
  MAX_SEQ,
  placeInTime,
  readEvent,
  sameEvent,
  seqProblem,
  timeIsBelievable,
  type ReadContext,
} from './event-rules.js';

const receivedAt = new Date('2026-11-27T08:00:00.000Z');
const window = { toleranceMs: 30_000, maxAheadMs: 300_000, maxAgeMs: 720 * 3_600_000 };
const place = (at: unknown, offsetMs: number | null = null) => placeInTime({ at, receivedAt, offsetMs, window });
const iso = (ms: number) => new Date(receivedAt.getTime() + ms).toISOString();

describe('placeInTime (PROTOCOL.md 4)', () => {
  it('uses a zoned time as sent when the offset is unknown or within the tolerance', () => {
    expect(place('2026-11-27T07:59:58.500Z')).toEqual({
      occurredAt: new Date('2026-11-27T07:59:58.500Z'),
      reportedAt: null,
      flags: [],
      valid: true,
    });
    expect(place('2026-11-27T07:59:58.500Z', 29_000).flags).toEqual([]);
    expect(place('2026-11-27T07:59:58.500Z', -30_000).flags).toEqual([]);
  });

  it('reads ±hh:mm zones as the instant they name', () => {
    expect(place('2026-11-27T09:00:00+01:00').occurredAt).toEqual(receivedAt);
    expect(place('2026-11-27T02:30:00-05:30').occurredAt).toEqual(receivedAt);
  });

  it('refuses a time without a zone, or no time at all: the receipt time, and `at` kept', () => {
    for (const at of ['2026-11-27T08:00:00', 'yesterday', '', '2026-13-45T99:00:00Z']) {
      expect(place(at)).toEqual({ occurredAt: receivedAt, reportedAt: at, flags: [], valid: false });
    }
    expect(place('9'.repeat(100)).reportedAt).toHaveLength(64);
  });

  it('corrects by the offset when the clock is off by more than the tolerance', () => {
    // The controller's clock is 2 h fast: it says 10:00 for what is 08:00 on the server.
    const placed = place('2026-11-27T10:00:00.000Z', 2 * 3_600_000);
    expect(placed).toEqual({
      occurredAt: receivedAt,
      reportedAt: '2026-11-27T10:00:00.000Z',
      flags: ['CLOCK_CORRECTED'],
      valid: true,
    });
    expect(place(iso(-31_000 - 60_000), -31_000).occurredAt).toEqual(new Date(receivedAt.getTime() - 60_000));
  });

  it('does not believe a time further ahead than maxAhead or older than maxAge: the receipt time', () => {
    expect(place(iso(300_000)).flags).toEqual([]);
    expect(place(iso(300_001))).toEqual({
      occurredAt: receivedAt,
      reportedAt: iso(300_001),
      flags: ['CLOCK_OUT_OF_RANGE'],
      valid: true,
    });
    expect(place(iso(-window.maxAgeMs)).flags).toEqual([]);
    expect(place(iso(-window.maxAgeMs - 1)).flags).toEqual(['CLOCK_OUT_OF_RANGE']);
  });

  it('judges the window after correcting, and keeps both flags when the corrected time is still out of range', () => {
    // 2 h fast and reporting 2 h ahead: right after correction.
    expect(place(iso(2 * 3_600_000), 2 * 3_600_000).flags).toEqual(['CLOCK_CORRECTED']);
    // 2 h fast and reporting 4 h ahead: still 2 h ahead once corrected.
    const placed = place(iso(4 * 3_600_000), 2 * 3_600_000);
    expect(placed.flags).toEqual(['CLOCK_CORRECTED', 'CLOCK_OUT_OF_RANGE']);
    expect(placed.occurredAt).toEqual(receivedAt);
  });

  it('trusts a clock only when its offset is measured and within the tolerance', () => {
    expect(isClockTrusted(null, 30_000)).toBe(false);
    expect(isClockTrusted(30_000, 30_000)).toBe(true);
    expect(isClockTrusted(-30_001, 30_000)).toBe(false);
    expect(timeIsBelievable([], true)).toBe(true);
    expect(timeIsBelievable(['TRUNCATED'], true)).toBe(true);
    expect(timeIsBelievable(['CLOCK_OUT_OF_RANGE'], true)).toBe(false);
    expect(timeIsBelievable([], false)).toBe(false);
  });
});

describe('seqs and batches (PROTOCOL.md 3)', () => {
  it('takes whole numbers from 1 to 2^53 − 1 and nothing else', () => {
    for (const ok of [1, 2 ** 31, 2 ** 32, MAX_SEQ]) expect(seqProblem(ok)).toBeNull();
    for (const bad of [0, -1, 1.5, 2 ** 53, Number.NaN, Infinity, '42', 'abc', null, undefined, true]) {
      expect(seqProblem(bad), String(bad)).not.toBeNull();
    }
  });

  const limits = { maxEvents: 3, maxEventBytes: 100 };
  const event = (seq: unknown) => ({ seq, kind: 'DOOR_OPENED', label: 'A01', at: '2026-11-27T08:00:00Z' });

  it('refuses a batch as a whole only when empty, too long, too big, or with a bad seq (naming it)', () => {
    expect(batchProblem([event(1), event(2)], limits)).toBeNull();
    expect(batchProblem([], limits)?.message).toMatch(/at least one/);
    expect(batchProblem([event(1), event(2), event(3), event(4)], limits)?.extensions).toEqual({ limit: 3 });
    expect(batchProblem([{ ...event(1), detail: 'x'.repeat(300) }], limits)?.message).toMatch(/bytes/);
    expect(batchProblem([event(1), event(2), event('3')], limits)?.extensions).toEqual({ index: 2, field: 'seq' });
  });

  it('counts a batch by its events’ own sizes, so events that each keep to the limit always pass', () => {
    const e = { seq: 1, kind: 'X', at: 'y', detail: '' };
    const fill = { ...e, detail: 'd'.repeat(100 - jsonBytes(e)) };
    expect(jsonBytes(fill)).toBe(100);
    expect(batchProblem([fill, fill, fill], limits)).toBeNull();
  });
});

describe('readEvent', () => {
  const ctx: ReadContext = { receivedAt, offsetMs: null, window, maxEventBytes: 1536, labels: new Set(['A01', 'B02']) };
  const at = '2026-11-27T07:59:00.000Z';

  it('reads a good event as sent, label upper-cased', () => {
    const e = readEvent({ seq: 7, label: ' a01 ', kind: 'DOOR_OPENED', at }, ctx);
    expect(e).toMatchObject({
      seq: 7,
      kind: 'DOOR_OPENED',
      reportedKind: null,
      label: 'A01',
      bankLevel: false,
      occurredAt: new Date(at),
      rejection: null,
      flags: [],
    });
  });

  it('keeps an unknown kind as sent (stringified, cut to 64), stored as UNRECOGNISED', () => {
    expect(readEvent({ seq: 1, label: 'A01', kind: 'DOOR_FORCED', at }, ctx)).toMatchObject({
      kind: 'UNRECOGNISED',
      reportedKind: 'DOOR_FORCED',
      rejection: 'UNKNOWN_KIND',
    });
    expect(readEvent({ seq: 1, kind: 42, at }, ctx).reportedKind).toBe('42');
    expect(readEvent({ seq: 1, kind: 'K'.repeat(100), at }, ctx).reportedKind).toBe('K'.repeat(64));
    // Server kinds are not the controller's to report.
    expect(readEvent({ seq: 1, label: 'A01', kind: 'BANK_ONLINE', at }, ctx).rejection).toBe('UNKNOWN_KIND');
  });

  it('needs a known label for compartment kinds, and none for bank-level kinds', () => {
    expect(readEvent({ seq: 1, kind: 'DOOR_OPENED', at }, ctx).rejection).toBe('INVALID_LABEL');
    expect(readEvent({ seq: 1, label: '  ', kind: 'DOOR_OPENED', at }, ctx).rejection).toBe('INVALID_LABEL');
    const long = readEvent({ seq: 1, label: 'A'.repeat(17), kind: 'DOOR_OPENED', at }, ctx);
    expect(long).toMatchObject({ rejection: 'INVALID_LABEL', label: 'A'.repeat(16) });
    expect(readEvent({ seq: 1, label: 'Z99', kind: 'DOOR_OPENED', at }, ctx).rejection).toBe('UNKNOWN_COMPARTMENT');
    expect(readEvent({ seq: 1, kind: 'POWER_LOST', at }, ctx)).toMatchObject({ bankLevel: true, rejection: null });
  });

  it('rejects a zone-less time with the receipt time, and keeps `at`', () => {
    expect(readEvent({ seq: 1, label: 'A01', kind: 'DOOR_OPENED', at: '2026-11-27T07:59:00' }, ctx)).toMatchObject({
      rejection: 'INVALID_TIME',
      occurredAt: receivedAt,
      reportedAt: '2026-11-27T07:59:00',
    });
  });

  it('cuts detail and code and flags TRUNCATED; an event over maxEventBytes is TOO_LARGE', () => {
    const cut = readEvent(
      { seq: 1, label: 'A01', kind: 'FAULT', at, code: 'C'.repeat(40), detail: 'x'.repeat(600) },
      ctx,
    );
    expect(cut).toMatchObject({ rejection: null, code: 'C'.repeat(32), detail: 'x'.repeat(500) });
    expect(cut.flags.map((f) => f.flag)).toEqual(['TRUNCATED']);
    const big = readEvent({ seq: 1, label: 'A01', kind: 'FAULT', at, detail: '\u0001'.repeat(400) }, ctx);
    expect(big).toMatchObject({ rejection: 'TOO_LARGE', detail: '\u0001'.repeat(400) });
    expect(readEvent({ seq: 1, label: 'A01', kind: 'FAULT', at, detail: 'x'.repeat(2000) }, ctx)).toMatchObject({
      rejection: 'TOO_LARGE',
      detail: 'x'.repeat(500),
    });
  });

  it('names the first problem when there are several', () => {
    const e = readEvent({ seq: 1, label: 'Z99', kind: 'DOOR_FORCED', at: 'soon', detail: 'x'.repeat(2000) }, ctx);
    expect(e.rejection).toBe('TOO_LARGE');
    expect(readEvent({ seq: 1, label: 'Z99', kind: 'DOOR_FORCED', at: 'soon' }, ctx).rejection).toBe('UNKNOWN_KIND');
    expect(readEvent({ seq: 1, label: 'Z99', kind: 'DOOR_OPENED', at: 'soon' }, ctx).rejection).toBe(
      'UNKNOWN_COMPARTMENT',
    );
  });

  it('corrects the time by the bank’s offset and flags it', () => {
    const e = readEvent(
      { seq: 1, label: 'A01', kind: 'DOOR_OPENED', at: iso(3_600_000) },
      { ...ctx, offsetMs: 3_600_000 },
    );
    expect(e).toMatchObject({ occurredAt: receivedAt, reportedAt: iso(3_600_000) });
    expect(e.flags.map((f) => f.flag)).toEqual(['CLOCK_CORRECTED']);
  });
});

describe('sameEvent: a resend against what is stored', () => {
  const ctx: ReadContext = { receivedAt, offsetMs: null, window, maxEventBytes: 1536, labels: new Set(['A01']) };
  const sent = {
    seq: 5,
    label: 'a01',
    kind: 'FAULT',
    at: '2026-11-27T07:59:00.000Z',
    code: 'LOCK_JAMMED',
    detail: 'd',
  };
  const asStored = (e: ReturnType<typeof readEvent>) => ({
    kind: e.kind,
    reportedKind: e.reportedKind,
    label: e.label,
    occurredAt: e.occurredAt,
    reportedAt: e.reportedAt,
    code: e.code,
    detail: e.detail,
  });
  const stored = asStored(readEvent(sent, ctx));

  it('is the same event with the same content, whatever the clock offset is now', () => {
    expect(sameEvent(stored, readEvent(sent, ctx))).toBe(true);
    expect(sameEvent(stored, readEvent({ ...sent, at: '2026-11-27T08:59:00+01:00' }, ctx))).toBe(true);
    expect(sameEvent(stored, readEvent(sent, { ...ctx, offsetMs: 120_000 }))).toBe(true);
  });

  it('is the same event for a cut detail sent again uncut, and for a bad time sent again', () => {
    const long = { ...sent, detail: 'x'.repeat(700) };
    expect(sameEvent(asStored(readEvent(long, ctx)), readEvent(long, ctx))).toBe(true);
    const bad = { ...sent, at: 'not a time' };
    expect(sameEvent(asStored(readEvent(bad, ctx)), readEvent(bad, ctx))).toBe(true);
    const unknown = { ...sent, kind: 'DOOR_FORCED' };
    expect(sameEvent(asStored(readEvent(unknown, ctx)), readEvent(unknown, ctx))).toBe(true);
  });

  it('differs in kind as sent, label, instant, code or detail', () => {
    for (const change of [
      { kind: 'FAULT_CLEARED' },
      { kind: 'DOOR_FORCED' },
      { label: 'B01' },
      { at: '2026-11-27T07:59:00.001Z' },
      { code: null },
      { detail: 'other' },
    ]) {
      expect(sameEvent(stored, readEvent({ ...sent, ...change }, ctx)), JSON.stringify(change)).toBe(false);
    }
  });
});
