import { describe, expect, it } from 'vitest';
import { MAX_BATCH, Outbox } from './outbox.js';
import { seededRandom } from './random.js';
import type { DeviceEventKind, LockerEventInput } from './types.js';

const AT = '2026-11-27T08:00:00.000Z';

function fill(outbox: Outbox, n: number, kind: DeviceEventKind = 'DOOR_OPENED'): LockerEventInput[] {
  return Array.from({ length: n }, (_, i) =>
    outbox.append({ label: `A${String(i + 1).padStart(2, '0')}`, kind, at: AT }),
  );
}

const seqs = (events: { seq: number }[]) => events.map((e) => e.seq);

describe('Outbox', () => {
  it('numbers events from 1, one apart', () => {
    const outbox = new Outbox();
    expect(seqs(fill(outbox, 4))).toEqual([1, 2, 3, 4]);
    expect(outbox.nextSeq).toBe(5);
    expect(outbox.size).toBe(4);
  });

  it('acknowledge-through drops exactly the sent events up to acceptedThroughSeq', () => {
    const outbox = new Outbox();
    fill(outbox, 5);
    expect(seqs(outbox.nextBatch())).toEqual([1, 2, 3, 4, 5]);
    const result = outbox.applyReply({ acceptedThroughSeq: 3, resendFromSeq: null });
    expect(result).toMatchObject({ dropped: 3, renumbered: 0, serverBehind: false, resendFromSeq: null });
    expect(seqs(outbox.events())).toEqual([4, 5]);
    expect(outbox.acceptedThroughSeq).toBe(3);
    expect(outbox.nextSeq).toBe(6);
  });

  it('resends from the gap: the next batch starts at the oldest unconfirmed event', () => {
    const outbox = new Outbox();
    fill(outbox, 6);
    outbox.nextBatch(3); // 1..3
    outbox.applyReply({ acceptedThroughSeq: 3, resendFromSeq: null });
    outbox.nextBatch(3); // 4..6, but the server only got 4
    const result = outbox.applyReply({ acceptedThroughSeq: 4, resendFromSeq: 5 });
    expect(result.resendFromSeq).toBe(5);
    expect(seqs(outbox.nextBatch())).toEqual([5, 6]);
  });

  it('never drops an event the server has not confirmed, even if asked to by a stale answer', () => {
    const outbox = new Outbox();
    fill(outbox, 3);
    outbox.nextBatch();
    outbox.applyReply({ acceptedThroughSeq: 0, resendFromSeq: 1 });
    expect(seqs(outbox.events())).toEqual([1, 2, 3]);
    // A failed send (no answer at all) changes nothing either: same batch again.
    expect(seqs(outbox.nextBatch())).toEqual([1, 2, 3]);
  });

  it('does not drop queued events it never sent, even when the server claims those seqs', () => {
    // Fresh controller (no saved state) against a bank whose log reaches 40.
    const outbox = new Outbox();
    fill(outbox, 2);
    const result = outbox.applyServerSeq(40);
    expect(result).toMatchObject({ dropped: 0, renumbered: 2, serverBehind: false });
    expect(seqs(outbox.events())).toEqual([41, 42]);
    expect(outbox.nextSeq).toBe(43);
  });

  it('continues at N+1 when starting fresh with nothing queued', () => {
    const outbox = new Outbox();
    outbox.applyServerSeq(17);
    expect(outbox.append({ label: 'A01', kind: 'OCCUPIED', at: AT }).seq).toBe(18);
  });

  it('drops events whose answer was lost once the next connection_ack covers them', () => {
    const outbox = new Outbox();
    fill(outbox, 4);
    outbox.nextBatch(3); // 1..3 sent, answer lost
    const result = outbox.applyServerSeq(3);
    expect(result.dropped).toBe(3);
    expect(seqs(outbox.events())).toEqual([4]);
  });

  it('renumbers after a server reset so its log stays gap-free', () => {
    const outbox = new Outbox();
    fill(outbox, 5);
    outbox.nextBatch();
    outbox.applyReply({ acceptedThroughSeq: 5, resendFromSeq: null });
    fill(outbox, 2); // 6, 7
    const result = outbox.applyServerSeq(0); // database wiped
    expect(result).toMatchObject({ serverBehind: true, renumbered: 2, dropped: 0 });
    expect(seqs(outbox.events())).toEqual([1, 2]);
    expect(outbox.nextSeq).toBe(3);
  });

  it('caps batches at 500 events', () => {
    const outbox = new Outbox();
    fill(outbox, 1200);
    expect(outbox.nextBatch()).toHaveLength(MAX_BATCH);
    expect(outbox.nextBatch(10_000)).toHaveLength(MAX_BATCH);
    expect(outbox.nextBatch(7)).toHaveLength(7);
  });

  it('truncates detail to 500 characters', () => {
    const outbox = new Outbox();
    const e = outbox.append({ label: 'A01', kind: 'FAULT', at: AT, detail: 'x'.repeat(800) });
    expect(e.detail).toHaveLength(500);
  });

  it('isSettled tracks events by local id, across renumbering', () => {
    const outbox = new Outbox();
    fill(outbox, 2);
    const mark = outbox.lastLocalId;
    fill(outbox, 1);
    outbox.applyServerSeq(10); // renumbers to 11..13
    expect(outbox.isSettled(mark)).toBe(false);
    outbox.nextBatch();
    outbox.applyServerSeq(12);
    expect(outbox.isSettled(mark)).toBe(true);
    expect(outbox.isSettled(outbox.lastLocalId)).toBe(false);
  });

  it('copies: changing a returned event does not change the queue', () => {
    const outbox = new Outbox();
    const e = outbox.append({ label: 'A01', kind: 'OCCUPIED', at: AT });
    e.seq = 99;
    outbox.nextBatch()[0]!.label = 'ZZZ';
    expect(outbox.events()[0]).toMatchObject({ seq: 1, label: 'A01' });
  });

  it('rejects nonsense seqs', () => {
    expect(() => new Outbox(-1)).toThrow(RangeError);
    expect(() => new Outbox().applyServerSeq(1.5)).toThrow(RangeError);
  });

  /**
   * A model of the server (stores only the next expected seq, answers with
   * acceptedThroughSeq and resendFromSeq) behind a channel that loses
   * requests and answers at random. Whatever happens, after the channel
   * recovers the server holds every event exactly once, in order.
   */
  it('delivers every event exactly once over a lossy channel (randomised)', () => {
    for (let seed = 1; seed <= 25; seed++) {
      const random = seededRandom(seed);
      const serverLog: number[] = [];
      const outbox = new Outbox();
      let recorded = 0;
      const receive = (batch: LockerEventInput[]) => {
        let resendFromSeq: number | null = null;
        for (const e of batch) {
          if (e.seq <= serverLog.length) continue; // duplicate
          if (e.seq === serverLog.length + 1) serverLog.push(e.seq);
          else {
            resendFromSeq = serverLog.length + 1;
            break;
          }
        }
        return { acceptedThroughSeq: serverLog.length, resendFromSeq };
      };
      for (let round = 0; round < 200; round++) {
        const toRecord = Math.floor(random() * 4);
        for (let i = 0; i < toRecord; i++) {
          outbox.append({ label: 'A01', kind: 'DOOR_OPENED', at: AT });
          recorded++;
        }
        if (outbox.size === 0) continue;
        const batch = outbox.nextBatch(1 + Math.floor(random() * 5));
        const roll = random();
        if (roll < 0.2) continue; // request lost
        // Sometimes the server drops all but a prefix (it only stores in order).
        const arrived = roll < 0.3 ? batch.slice(Math.floor(random() * batch.length)) : batch;
        const reply = receive(arrived);
        if (random() < 0.2) {
          // answer lost; the next connection_ack carries the same number
          outbox.applyServerSeq(serverLog.length);
          continue;
        }
        outbox.applyReply(reply);
      }
      // The link recovers: drain.
      for (let i = 0; i < 1000 && outbox.size > 0; i++) outbox.applyReply(receive(outbox.nextBatch()));
      expect(outbox.size, `seed ${seed}`).toBe(0);
      expect(serverLog, `seed ${seed}`).toEqual(Array.from({ length: recorded }, (_, i) => i + 1));
    }
  });
});
