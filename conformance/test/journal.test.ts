/**
 * The kit's server-side log follows PROTOCOL.md 3: the kit judges controllers
 * by its answers, so they must be right.
 */
import { describe, expect, it } from 'vitest';
import { BatchRefused, KitJournal, type EventIn } from '../src/controller-mode/journal.js';
import { DEFAULT_LIMITS } from '../src/protocol.js';

const labels = new Set(['A01', 'A02']);
const journal = () => new KitJournal(DEFAULT_LIMITS, () => labels);
const at = '2026-11-27T08:00:00.000Z';
const ev = (seq: unknown, kind = 'DOOR_OPENED', extra: Partial<EventIn> = {}): EventIn => ({
  seq,
  label: 'A01',
  kind,
  at,
  ...extra,
});

describe('the kit journal', () => {
  it('stores a batch in seq order, whatever order it came in, and answers a resend as duplicates', () => {
    const j = journal();
    expect(j.report([ev(2, 'DOOR_CLOSED'), ev(1)])).toMatchObject({ acceptedThroughSeq: 2, stored: 2, duplicates: 0 });
    expect(j.report([ev(1), ev(2, 'DOOR_CLOSED')])).toMatchObject({ acceptedThroughSeq: 2, stored: 0, duplicates: 2 });
    expect(j.events().map((e) => e.seq)).toEqual([1, 2]);
  });

  it('stores nothing from a gap on and names where to resend from', () => {
    const j = journal();
    j.report([ev(1)]);
    expect(j.report([ev(2), ev(4)])).toMatchObject({ acceptedThroughSeq: 2, stored: 1, resendFromSeq: 3 });
  });

  it('lets the first batch of a fresh log fix where numbering starts', () => {
    const j = journal();
    expect(j.report([ev(40), ev(41)])).toMatchObject({ acceptedThroughSeq: 41, stored: 2, resendFromSeq: null });
  });

  it('rejects bad events one by one, stores them, and lets the next ones flow', () => {
    const j = journal();
    const answer = j.report([
      ev(1, 'DOOR_OPENED', { label: 'Z9' }),
      ev(2, 'DOOR_OPENED', { at: '2026-11-27T08:00:00' }),
      ev(3, 'DOOR_OPENED', { label: null }),
      ev(4, 'KIT_FUTURE_KIND'),
      ev(5, 'TAMPER', { detail: 'x'.repeat(2000) }),
      ev(6, 'UPS_ON_BATTERY', { label: null }),
      ev(7),
    ]);
    expect(answer.rejected.map((r) => [r.seq, r.reason])).toEqual([
      [1, 'UNKNOWN_COMPARTMENT'],
      [2, 'INVALID_TIME'],
      [3, 'INVALID_LABEL'],
      [4, 'UNKNOWN_KIND'],
      [5, 'TOO_LARGE'],
    ]);
    expect(answer).toMatchObject({ acceptedThroughSeq: 7, stored: 7 });
  });

  it('flags a detail over 500 characters as TRUNCATED and stores it', () => {
    expect(journal().report([ev(1, 'TAMPER', { detail: 'd'.repeat(600) })]).flagged).toEqual([
      expect.objectContaining({ seq: 1, flag: 'TRUNCATED' }),
    ]);
  });

  it('answers a seq sent with other content as a conflict, and keeps what it stored', () => {
    const j = journal();
    j.report([ev(1)]);
    const answer = j.report([ev(1, 'DOOR_CLOSED')]);
    expect(answer.conflicts).toEqual([{ seq: 1, storedKind: 'DOOR_OPENED', storedLabel: 'A01', storedAt: at }]);
    expect(answer).toMatchObject({ stored: 0, duplicates: 0, acceptedThroughSeq: 1 });
    expect(j.get(1)?.kind).toBe('DOOR_OPENED');
  });

  it.each([
    ['an empty batch', []],
    ['too many events', Array.from({ length: 501 }, (_, i) => ev(i + 1))],
    ['seq 0', [ev(0)]],
    ['seq 1.5', [ev(1.5)]],
    ['seq 2^53', [ev(2 ** 53)]],
    ['seq as text', [ev('7')]],
  ])('refuses %s as a whole', (_name, batch) => {
    const j = journal();
    expect(() => j.report(batch)).toThrow(BatchRefused);
    expect(j.acceptedThroughSeq).toBe(0);
  });

  it('names the event with a bad seq by its index', () => {
    try {
      journal().report([ev(1), ev(0)]);
      expect.unreachable();
    } catch (err) {
      expect((err as BatchRefused).extensions).toEqual({ index: 1, field: 'seq' });
    }
  });

  it('records a lost range only right after the log, and answers seqs inside it as duplicates', () => {
    const j = journal();
    j.report([ev(1)]);
    expect(() => j.markLost(5, 9, 'wiped')).toThrow(BatchRefused);
    expect(() => j.markLost(2, 1, 'backwards')).toThrow(BatchRefused);
    expect(() => j.markLost(2, 9, '')).toThrow(BatchRefused);
    expect(j.markLost(2, 2 ** 31 + 5, 'journal storage replaced')).toBe(2 ** 31 + 5);
    expect(j.report([ev(100)])).toMatchObject({ duplicates: 1, stored: 0 });
    expect(j.report([ev(2 ** 31 + 6)])).toMatchObject({ stored: 1, acceptedThroughSeq: 2 ** 31 + 6 });
  });

  it('can pretend another device took the next seqs, and that a backup lost the end of the log', () => {
    const j = journal();
    j.report([ev(1), ev(2, 'DOOR_CLOSED')]);
    expect(j.insertForeign(3, at)).toEqual({ from: 3, through: 5 });
    expect(j.report([ev(3, 'TAMPER')]).conflicts.map((c) => c.seq)).toEqual([3]);
    j.truncateTo(1);
    expect(j.acceptedThroughSeq).toBe(1);
    expect(j.report([ev(2, 'TAMPER')])).toMatchObject({ stored: 1, conflicts: [] });
  });
});
