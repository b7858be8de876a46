/**
 * The controller's outbox (the protocol's journal): every event it recorded
 * and the server has not yet confirmed, in seq order, with the seq counter.
 * Bookkeeping only; where it is kept is a JournalStore (journal.ts), written
 * on every change, so renumbering is as persistent as the events themselves.
 *
 * Invariants (checked by the tests):
 * - the queue's seqs are contiguous and end at the counter (lastSeq); its
 *   head is acceptedThroughSeq + 1 except while the server is behind us (its
 *   log lost events we no longer hold, see applyReply's `lost`);
 * - an event leaves the queue only when the server says it has it
 *   (acceptedThroughSeq ≥ its seq and we actually sent it), or declared lost;
 * - "sent" events form a prefix of the queue: batches are always taken from
 *   the head, so the first batch after any failure or gap resends from the
 *   oldest unconfirmed event. That is what `resendFromSeq` asks for.
 *
 * Numbering (PROTOCOL.md 3, Numbering): seq grows by exactly 1 per event and
 * is never reused. After a connection_ack, new events follow the higher of the
 * server's acceptedThroughSeq and our counter. On a new token generation this
 * outbox renumbers its unacknowledged events from the new generation's log end
 * (1 for a fresh generation), one of the two ways PROTOCOL.md allows; it
 * chose this one because the journal then reads the same as the server's log
 * of that generation, and nothing depends on where the old generation ended.
 */
import type { JournalEntry, JournalSnapshot, JournalStore } from './journal.js';
import type { LockerEventInput } from './types.js';

/** Default events per `reportLockerEvents` (the protocol's limits.maxBatchEvents). */
export const MAX_BATCH = 500;
/** The schema allows at most 500 characters of detail. */
export const MAX_DETAIL = 500;

interface QueuedEvent extends JournalEntry {
  /** Local, never renumbered nor stored: lets flush() wait for "everything recorded so far". */
  readonly id: number;
}

export interface SyncResult {
  /** Events confirmed by this answer and dropped from the queue. */
  dropped: number;
  /** Queued events given new seqs (see applyAck and applyReply). */
  renumbered: number;
  /** The server's log ends before what it had confirmed to us: it lost events (reset, restored backup). */
  serverBehind: boolean;
  /** The ack named a token generation other than the journal's: the queue was renumbered for it. */
  newGeneration: boolean;
}

export interface ReplyResult extends SyncResult {
  /** Set when the server asked for a resend: the seq the next batch starts at. */
  resendFromSeq: number | null;
  /**
   * Set when the server asked for seqs this outbox no longer holds: declare
   * them lost (markLockerEventsLost) and continue after `throughSeq`.
   */
  lost: { fromSeq: number; throughSeq: number } | null;
  /** Seqs the server holds with other content; the queue was renumbered after its log. */
  conflicts: number;
}

export interface OutboxOptions {
  /** Where a controller with saved state (but no journal) left off; 0 for a fresh one. Ignored when the journal has state. */
  acceptedThroughSeq?: number;
  /** Persistent storage; without one the outbox lives in memory only. */
  journal?: JournalStore;
}

function assertSeq(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
  }
}

/** Size of an event as the server measures it: JSON, UTF-8. */
export function eventBytes(event: LockerEventInput): number {
  return Buffer.byteLength(JSON.stringify(event), 'utf8');
}

export class Outbox {
  #queue: QueuedEvent[] = [];
  #acceptedThrough = 0;
  #lastSeq = 0;
  #generation: number | null = null;
  #nextId = 1;
  readonly #journal: JournalStore | undefined;

  /** @param options or, as before, the acceptedThroughSeq to resume from. */
  constructor(options: number | OutboxOptions = {}) {
    const opts = typeof options === 'number' ? { acceptedThroughSeq: options } : options;
    this.#journal = opts.journal;
    const saved = this.#journal?.load();
    if (saved) {
      this.#restore(saved);
    } else {
      const accepted = opts.acceptedThroughSeq ?? 0;
      assertSeq('acceptedThroughSeq', accepted);
      this.#acceptedThrough = accepted;
      this.#lastSeq = accepted;
    }
  }

  /** Highest seq the server has confirmed storing. */
  get acceptedThroughSeq(): number {
    return this.#acceptedThrough;
  }

  /** The token generation the numbering belongs to (null until a server named one). */
  get generation(): number | null {
    return this.#generation;
  }

  /** The seq counter: the highest seq given so far. */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  /** The seq the next recorded event gets. */
  get nextSeq(): number {
    return this.#lastSeq + 1;
  }

  /** Number of events not yet confirmed. */
  get size(): number {
    return this.#queue.length;
  }

  /** Local id of the newest event ever appended (0 before the first). */
  get lastLocalId(): number {
    return this.#nextId - 1;
  }

  /** A copy of the unconfirmed events, oldest first. */
  events(): LockerEventInput[] {
    return this.#queue.map((q) => ({ ...q.event }));
  }

  /** Records an event with the next seq. Returns a copy of it. */
  append(input: Omit<LockerEventInput, 'seq'>): LockerEventInput {
    const event: LockerEventInput = { seq: this.#lastSeq + 1, kind: input.kind, at: input.at };
    if (input.label !== undefined) event.label = input.label;
    if (input.code !== undefined) event.code = input.code;
    if (input.detail !== undefined) event.detail = input.detail;
    // Key order as above, so a resend encodes (and compares) the same.
    this.#queue.push({ id: this.#nextId++, event, sent: false });
    this.#lastSeq = event.seq;
    this.#save();
    return { ...event };
  }

  /**
   * The next batch to send: events from the head of the queue, at most
   * `maxEvents` of them and, as encoded by `size`, at most `maxBytes` in all
   * (a JSON array: brackets and commas counted). Always at least one event, so
   * an event larger than the budget still goes out (the server stores it as
   * TOO_LARGE rather than blocking). Marks them sent, durably, before they
   * leave. Only call when no other batch is in flight.
   */
  nextBatch(
    maxEvents = MAX_BATCH,
    maxBytes = Number.POSITIVE_INFINITY,
    size: (event: LockerEventInput) => number = eventBytes,
  ): LockerEventInput[] {
    const limit = Math.max(1, Math.floor(maxEvents));
    const batch: QueuedEvent[] = [];
    let bytes = 2;
    for (const q of this.#queue) {
      if (batch.length >= limit) break;
      const add = size(q.event) + (batch.length > 0 ? 1 : 0);
      if (batch.length > 0 && bytes + add > maxBytes) break;
      batch.push(q);
      bytes += add;
    }
    let changed = false;
    for (const q of batch) {
      if (!q.sent) changed = true;
      q.sent = true;
    }
    if (changed) this.#save();
    return batch.map((q) => ({ ...q.event }));
  }

  /**
   * Brings the queue in line with a connection_ack.
   *
   * - A new token generation (one the journal has not seen): the queue is
   *   renumbered to follow that generation's log (from 1 when it is fresh),
   *   in order, keeping each event's `at`. See the file comment.
   * - Otherwise as applyServerSeq.
   */
  applyAck(ack: { acceptedThroughSeq: number; generation?: number | null; followServerBack?: boolean }): SyncResult {
    const accepted = ack.acceptedThroughSeq;
    assertSeq('acceptedThroughSeq', accepted);
    const generation = ack.generation ?? null;
    const known = this.#generation;
    if (generation !== null) this.#generation = generation;
    if (generation !== null && known !== null && generation !== known) {
      this.#acceptedThrough = accepted;
      for (const q of this.#queue) q.sent = false;
      this.#renumberFrom(accepted + 1);
      this.#save();
      return { dropped: 0, renumbered: this.#queue.length, serverBehind: false, newGeneration: true };
    }
    return this.applyServerSeq(accepted, { followServerBack: ack.followServerBack ?? false });
  }

  /**
   * Brings the queue in line with the server's `acceptedThroughSeq`, from a
   * `connection_ack` or a batch answer, within one generation.
   *
   * - Events we sent with seq ≤ A are stored: drop them. (If the answer to a
   *   batch was lost, the next connection_ack tells us here.)
   * - Events we never sent cannot be in the server's log, so if their seq is
   *   ≤ A the server's log came from an earlier life of this controller (e.g.
   *   the simulator restarted without its journal). Sending them with those
   *   seqs would be taken as duplicates and lost, so they are renumbered to
   *   follow A ("number new events after the highest of acceptedThroughSeq and
   *   your own counter").
   * - If A is below what the server confirmed before, its log lost events that
   *   are gone from our queue. Version 2 keeps our numbering: the next batch
   *   meets a gap, and applyReply reports the range to declare lost. With
   *   `followServerBack` (version 1, which cannot declare a loss) the queue is
   *   renumbered to follow A instead, so the server does not ask for those
   *   seqs forever.
   */
  applyServerSeq(serverAccepted: number, options: { followServerBack?: boolean } = {}): SyncResult {
    assertSeq('acceptedThroughSeq', serverAccepted);
    const result = this.#follow(serverAccepted, options.followServerBack ?? true);
    this.#save();
    return result;
  }

  /**
   * Applies a `reportLockerEvents` answer.
   *
   * - Rejected and flagged events are stored (they consumed their seq), so
   *   acceptedThroughSeq covers them and they leave the queue like any other:
   *   a rejected event is never resent.
   * - Conflicts (seqs the server holds with other content: we lost our
   *   counter): every unacknowledged event is renumbered, in order, from
   *   acceptedThroughSeq + 1, and sent again with its `at`.
   * - resendFromSeq: the next batch starts at the head of the queue (see the
   *   invariants), so it needs no cursor of its own; when the server asks for
   *   seqs below the head, `lost` names them.
   */
  applyReply(reply: {
    acceptedThroughSeq: number;
    resendFromSeq?: number | null;
    conflicts?: readonly number[];
    followServerBack?: boolean;
  }): ReplyResult {
    const accepted = reply.acceptedThroughSeq;
    assertSeq('acceptedThroughSeq', accepted);
    const conflicts = new Set(reply.conflicts ?? []);
    if (conflicts.size > 0) {
      const before = this.#queue.length;
      this.#queue = this.#queue.filter((q) => !(q.sent && q.event.seq <= accepted && !conflicts.has(q.event.seq)));
      const dropped = before - this.#queue.length;
      this.#acceptedThrough = accepted;
      for (const q of this.#queue) q.sent = false;
      this.#renumberFrom(accepted + 1);
      this.#save();
      return {
        dropped,
        renumbered: this.#queue.length,
        serverBehind: false,
        newGeneration: false,
        resendFromSeq: null,
        lost: null,
        conflicts: conflicts.size,
      };
    }
    const result = this.#follow(accepted, reply.followServerBack ?? false);
    let lost: ReplyResult['lost'] = null;
    const resendFrom = reply.resendFromSeq ?? null;
    if (resendFrom !== null) {
      const head = this.#queue[0];
      const throughSeq = head ? head.event.seq - 1 : this.#lastSeq;
      const fromSeq = this.#acceptedThrough + 1;
      if (fromSeq <= throughSeq) lost = { fromSeq, throughSeq };
    }
    this.#save();
    return {
      ...result,
      resendFromSeq: resendFrom === null ? null : (this.#queue[0]?.event.seq ?? null),
      lost,
      conflicts: 0,
    };
  }

  /** The server accepted seqs up to `throughSeq` as lost (markLockerEventsLost): continue after them. */
  applyLost(throughSeq: number): void {
    assertSeq('throughSeq', throughSeq);
    this.#acceptedThrough = Math.max(this.#acceptedThrough, throughSeq);
    this.#lastSeq = Math.max(this.#lastSeq, throughSeq);
    const head = this.#queue[0];
    // Seqs in a lost range are answered as duplicates and never stored: an
    // event we still hold must not carry one.
    if (head && head.event.seq <= throughSeq) {
      for (const q of this.#queue) q.sent = false;
      this.#renumberFrom(throughSeq + 1);
    }
    this.#save();
  }

  /**
   * For a server that cannot record a loss (version 1): the queue takes the
   * seqs after the server's log, in order, and is sent again. Returns how
   * many events were renumbered.
   */
  renumberAfterAccepted(): number {
    for (const q of this.#queue) q.sent = false;
    this.#renumberFrom(this.#acceptedThrough + 1);
    this.#save();
    return this.#queue.length;
  }

  /**
   * Fault simulation: the seq counter is lost (say its storage was replaced)
   * and numbering starts again from 1, while the events themselves survive.
   * The next batch then collides with what the server holds (conflicts).
   */
  forgetCounter(): void {
    this.#acceptedThrough = 0;
    for (const q of this.#queue) q.sent = false;
    this.#renumberFrom(1);
    this.#save();
  }

  /**
   * Fault simulation: the `count` oldest unacknowledged events are lost from
   * the journal (the counter survives). The server then asks for seqs we no
   * longer hold. Returns how many were discarded.
   */
  discardOldest(count: number): number {
    const n = Math.max(0, Math.min(this.#queue.length, Math.floor(count)));
    this.#queue.splice(0, n);
    this.#save();
    return n;
  }

  /** True when every event up to local id `localId` has been confirmed (or discarded). */
  isSettled(localId: number): boolean {
    const head = this.#queue[0];
    return head === undefined || head.id > localId;
  }

  #follow(serverAccepted: number, followServerBack: boolean): SyncResult {
    if (serverAccepted < this.#acceptedThrough) {
      this.#acceptedThrough = serverAccepted;
      if (!followServerBack) {
        return { dropped: 0, renumbered: 0, serverBehind: true, newGeneration: false };
      }
      for (const q of this.#queue) q.sent = false;
      this.#renumberFrom(serverAccepted + 1);
      return { dropped: 0, renumbered: this.#queue.length, serverBehind: true, newGeneration: false };
    }
    let dropped = 0;
    while (dropped < this.#queue.length) {
      const q = this.#queue[dropped];
      if (!q || !q.sent || q.event.seq > serverAccepted) break;
      dropped++;
    }
    this.#queue.splice(0, dropped);
    this.#acceptedThrough = serverAccepted;
    // Sent events form a prefix, so an unsent head the server already
    // claims means every queued event needs a seq after its log.
    const head = this.#queue[0];
    const mustRenumber = head !== undefined && head.event.seq <= serverAccepted;
    if (mustRenumber) this.#renumberFrom(serverAccepted + 1);
    this.#lastSeq = Math.max(this.#lastSeq, serverAccepted);
    return { dropped, renumbered: mustRenumber ? this.#queue.length : 0, serverBehind: false, newGeneration: false };
  }

  /** Gives the queue seqs start, start+1, … in order, and moves the counter to the last. */
  #renumberFrom(start: number): void {
    let seq = start;
    for (const q of this.#queue) q.event.seq = seq++;
    this.#lastSeq = seq - 1;
  }

  #restore(saved: JournalSnapshot): void {
    this.#generation = saved.generation;
    this.#acceptedThrough = saved.acceptedThroughSeq;
    this.#queue = saved.events.map((e) => ({ id: this.#nextId++, event: { ...e.event }, sent: e.sent }));
    const last = this.#queue.at(-1)?.event.seq ?? 0;
    this.#lastSeq = Math.max(saved.lastSeq, last, saved.acceptedThroughSeq);
  }

  #save(): void {
    this.#journal?.save({
      version: 1,
      generation: this.#generation,
      acceptedThroughSeq: this.#acceptedThrough,
      lastSeq: this.#lastSeq,
      events: this.#queue.map((q) => ({ event: q.event, sent: q.sent })),
    });
  }
}
