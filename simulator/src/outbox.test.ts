import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileJournal, MemoryJournal } from './journal.js';
import { eventBytes, MAX_BATCH, Outbox } from './outbox.js';
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

  it('takes 500 events per batch by default, and what the server announces when told', () => {
    const outbox = new Outbox();
    fill(outbox, 1200);
    expect(outbox.nextBatch()).toHaveLength(MAX_BATCH);
    expect(outbox.nextBatch(1000)).toHaveLength(1000);
    expect(outbox.nextBatch(7)).toHaveLength(7);
    expect(outbox.nextBatch(0)).toHaveLength(1);
  });

  it('keeps a batch within a byte budget as well, counting the JSON array it travels in', () => {
    const outbox = new Outbox();
    for (let i = 0; i < 10; i++) outbox.append({ label: 'A01', kind: 'FAULT', at: AT, detail: 'x'.repeat(200) });
    const one = eventBytes(outbox.events()[0]!);
    const budget = 2 + 3 * one + 2; // room for three events and their two commas
    const batch = outbox.nextBatch(500, budget);
    expect(batch).toHaveLength(3);
    expect(Buffer.byteLength(JSON.stringify(batch))).toBeLessThanOrEqual(budget);
    // An event larger than the whole budget still goes out, alone: the server stores it as TOO_LARGE.
    expect(outbox.nextBatch(500, 10)).toHaveLength(1);
  });

  it("stores code and detail as given (the controller cuts them to the server's limits)", () => {
    const outbox = new Outbox();
    const e = outbox.append({ label: 'A01', kind: 'FAULT', code: 'LOCK_JAMMED', at: AT, detail: 'x'.repeat(800) });
    expect(e).toMatchObject({ seq: 1, code: 'LOCK_JAMMED' });
    expect(e.detail).toHaveLength(800);
    expect(outbox.append({ kind: 'POWER_LOST', at: AT })).toEqual({ seq: 2, kind: 'POWER_LOST', at: AT });
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

describe('Outbox, version 2 journal answers', () => {
  it("renumbers from 1 on a new token generation, keeping order and each event's time", () => {
    const outbox = new Outbox();
    outbox.applyAck({ acceptedThroughSeq: 0, generation: 1 });
    fill(outbox, 3);
    outbox.nextBatch();
    outbox.applyReply({ acceptedThroughSeq: 3 });
    const at = ['2026-11-27T08:01:00.000Z', '2026-11-27T08:00:30.000Z'];
    outbox.append({ label: 'A01', kind: 'DOOR_OPENED', at: at[0]! });
    outbox.append({ label: 'A02', kind: 'DOOR_CLOSED', at: at[1]! });
    const result = outbox.applyAck({ acceptedThroughSeq: 0, generation: 2 });
    expect(result).toMatchObject({ newGeneration: true, renumbered: 2 });
    expect(outbox.events()).toEqual([
      { seq: 1, label: 'A01', kind: 'DOOR_OPENED', at: at[0] },
      { seq: 2, label: 'A02', kind: 'DOOR_CLOSED', at: at[1] },
    ]);
    expect(outbox.generation).toBe(2);
    expect(outbox.nextSeq).toBe(3);
    // The same generation again is the usual bookkeeping.
    expect(outbox.applyAck({ acceptedThroughSeq: 0, generation: 2 }).newGeneration).toBe(false);
  });

  it('drops rejected events with the accepted ones: their seqs are stored, they are never resent', () => {
    const outbox = new Outbox();
    fill(outbox, 3);
    outbox.nextBatch();
    // seq 2 was rejected (say UNKNOWN_KIND): the answer still covers it.
    const result = outbox.applyReply({ acceptedThroughSeq: 3 });
    expect(result.dropped).toBe(3);
    expect(outbox.size).toBe(0);
  });

  it("on conflicts renumbers every unacknowledged event after the server's log, in order", () => {
    const outbox = new Outbox();
    const sent = fill(outbox, 3); // a controller that lost its counter: 1..3 again
    outbox.nextBatch(2); // 1, 2 sent; the server holds 1..41 with other content
    const result = outbox.applyReply({ acceptedThroughSeq: 41, conflicts: [1, 2] });
    expect(result).toMatchObject({ conflicts: 2, renumbered: 3, dropped: 0 });
    expect(outbox.events().map((e) => [e.seq, e.label])).toEqual([
      [42, sent[0]!.label],
      [43, sent[1]!.label],
      [44, sent[2]!.label],
    ]);
    expect(seqs(outbox.nextBatch())).toEqual([42, 43, 44]);
    expect(outbox.nextSeq).toBe(45);
  });

  it('keeps events stored beside conflicting ones out of the resend', () => {
    const outbox = new Outbox();
    fill(outbox, 3);
    outbox.nextBatch(); // 1 conflicts; 2, 3 were stored after it
    outbox.applyReply({ acceptedThroughSeq: 3, conflicts: [1] });
    expect(outbox.events().map((e) => [e.seq, e.label])).toEqual([[4, 'A01']]);
  });

  it('names the seqs to declare lost when the server wants some below the journal, then continues after them', () => {
    const outbox = new Outbox();
    fill(outbox, 5);
    outbox.nextBatch(2);
    outbox.applyReply({ acceptedThroughSeq: 2 });
    expect(outbox.discardOldest(2)).toBe(2); // 3, 4 vanish from storage
    expect(seqs(outbox.nextBatch())).toEqual([5]);
    const result = outbox.applyReply({ acceptedThroughSeq: 2, resendFromSeq: 3 });
    expect(result.lost).toEqual({ fromSeq: 3, throughSeq: 4 });
    expect(result.resendFromSeq).toBe(5);
    outbox.applyLost(4);
    expect(outbox.acceptedThroughSeq).toBe(4);
    expect(seqs(outbox.nextBatch())).toEqual([5]);
    expect(outbox.applyReply({ acceptedThroughSeq: 5 }).dropped).toBe(1);
    expect(outbox.nextSeq).toBe(6);
  });

  it("keeps its numbering when a version 2 server's log went back, so the gap is declared, not papered over", () => {
    const outbox = new Outbox();
    fill(outbox, 5);
    outbox.nextBatch();
    outbox.applyReply({ acceptedThroughSeq: 5 });
    fill(outbox, 1); // 6
    const ack = outbox.applyAck({ acceptedThroughSeq: 2, followServerBack: false });
    expect(ack).toMatchObject({ serverBehind: true, renumbered: 0 });
    expect(seqs(outbox.nextBatch())).toEqual([6]);
    expect(outbox.applyReply({ acceptedThroughSeq: 2, resendFromSeq: 3 }).lost).toEqual({
      fromSeq: 3,
      throughSeq: 5,
    });
  });

  it('never keeps an event inside a range accepted as lost: it would be taken for a duplicate', () => {
    const outbox = new Outbox();
    fill(outbox, 2);
    outbox.applyLost(10);
    expect(seqs(outbox.events())).toEqual([11, 12]);
  });

  it('numbers from 1 again after losing its counter (the server then answers with conflicts)', () => {
    const outbox = new Outbox();
    fill(outbox, 3);
    outbox.nextBatch();
    outbox.applyReply({ acceptedThroughSeq: 3 });
    outbox.forgetCounter();
    expect(outbox.append({ label: 'A01', kind: 'EMPTY', at: AT }).seq).toBe(1);
  });
});

describe('Outbox on a journal', () => {
  it('resumes after a restart with the same events, sent marks, counter and generation', () => {
    const journal = new MemoryJournal();
    const before = new Outbox({ journal });
    before.applyAck({ acceptedThroughSeq: 0, generation: 3 });
    fill(before, 4);
    before.nextBatch(2);
    before.applyReply({ acceptedThroughSeq: 1 });
    const after = new Outbox({ journal });
    expect(after.events()).toEqual(before.events());
    expect(after.generation).toBe(3);
    expect(after.acceptedThroughSeq).toBe(1);
    expect(after.nextSeq).toBe(5);
    // seq 2 was sent before the restart: an ack covering it drops it; 3 was never sent.
    expect(after.applyAck({ acceptedThroughSeq: 2, generation: 3 }).dropped).toBe(1);
    expect(seqs(after.events())).toEqual([3, 4]);
  });

  it('keeps the counter when every event was acknowledged', () => {
    const journal = new MemoryJournal();
    const before = new Outbox({ journal });
    fill(before, 2);
    before.nextBatch();
    before.applyReply({ acceptedThroughSeq: 2 });
    expect(new Outbox({ journal }).nextSeq).toBe(3);
  });

  it('stores a renumbering before the renumbered events can leave', () => {
    const journal = new MemoryJournal();
    const outbox = new Outbox({ journal });
    outbox.applyAck({ acceptedThroughSeq: 0, generation: 1 });
    fill(outbox, 2);
    outbox.nextBatch();
    outbox.applyReply({ acceptedThroughSeq: 7, conflicts: [1, 2] });
    expect(journal.load()?.events.map((e) => [e.event.seq, e.sent])).toEqual([
      [8, false],
      [9, false],
    ]);
    expect(journal.load()?.lastSeq).toBe(9);
  });

  it('writes a file journal atomically and reads it back; a foreign file is refused with its path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-journal-'));
    try {
      const path = join(dir, 'nested', 'bank.json');
      const outbox = new Outbox({ journal: new FileJournal(path) });
      outbox.append({ label: 'A01', kind: 'FAULT', code: 'LOCK_JAMMED', at: AT, detail: 'solenoid 0 mA' });
      outbox.append({ kind: 'POWER_LOST', at: AT });
      const again = new Outbox({ journal: new FileJournal(path) });
      expect(again.events()).toEqual(outbox.events());
      writeFileSync(path, '{"version":7}');
      expect(() => new Outbox({ journal: new FileJournal(path) })).toThrow(
        /bank\.json is not one this simulator wrote/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
