/**
 * The controller's outbox: every event it recorded and the server has not yet
 * confirmed, in seq order. Pure bookkeeping, no I/O, so the rules that keep
 * the server's log complete are unit-tested on their own.
 *
 * Invariants (checked by the tests):
 * - the queue holds seqs acceptedThroughSeq+1 … nextSeq-1, contiguous, in order;
 * - an event leaves the queue only when the server says it has it
 *   (acceptedThroughSeq ≥ its seq and we actually sent it);
 * - "sent" events form a prefix of the queue: batches are always taken from
 *   the head, so the first batch after any failure or gap resends from the
 *   oldest unconfirmed event. That is what `resendFromSeq` asks for.
 */
import type { DeviceEventKind, LockerEventInput, ReportReply } from './types.js';

/** The server accepts at most this many events per `reportLockerEvents`. */
export const MAX_BATCH = 500;
/** The schema allows at most 500 characters of detail. */
export const MAX_DETAIL = 500;

interface QueuedEvent {
  /** Local, never renumbered: lets flush() wait for "everything recorded so far". */
  readonly id: number;
  event: LockerEventInput;
  /** Put in a batch at least once (so the server may have stored it). */
  sent: boolean;
}

export interface SyncResult {
  /** Events confirmed by this answer and dropped from the queue. */
  dropped: number;
  /** Queued events given new seqs to follow the server's log (see applyServerSeq). */
  renumbered: number;
  /** The server reported less than it had confirmed before: its log was reset. */
  serverBehind: boolean;
}

export class Outbox {
  #queue: QueuedEvent[] = [];
  #acceptedThrough: number;
  #nextId = 1;

  /** @param acceptedThroughSeq where a controller with saved state left off (0 for a fresh one). */
  constructor(acceptedThroughSeq = 0) {
    if (!Number.isInteger(acceptedThroughSeq) || acceptedThroughSeq < 0) {
      throw new RangeError(`acceptedThroughSeq must be a non-negative integer, got ${acceptedThroughSeq}`);
    }
    this.#acceptedThrough = acceptedThroughSeq;
  }

  /** Highest seq the server has confirmed storing. */
  get acceptedThroughSeq(): number {
    return this.#acceptedThrough;
  }

  /** The seq the next recorded event gets. */
  get nextSeq(): number {
    return this.#acceptedThrough + 1 + this.#queue.length;
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
  append(input: { label: string; kind: DeviceEventKind; at: string; detail?: string }): LockerEventInput {
    const event: LockerEventInput = { seq: this.nextSeq, label: input.label, kind: input.kind, at: input.at };
    if (input.detail !== undefined) event.detail = input.detail.slice(0, MAX_DETAIL);
    this.#queue.push({ id: this.#nextId++, event, sent: false });
    return { ...event };
  }

  /**
   * The next batch to send: up to `max` events from the head of the queue.
   * Marks them sent. Only call when no other batch is in flight.
   */
  nextBatch(max = MAX_BATCH): LockerEventInput[] {
    const size = Math.max(1, Math.min(MAX_BATCH, Math.floor(max)));
    const batch = this.#queue.slice(0, size);
    for (const q of batch) q.sent = true;
    return batch.map((q) => ({ ...q.event }));
  }

  /**
   * Brings the queue in line with the server's `acceptedThroughSeq`, from a
   * `connection_ack` or a batch answer.
   *
   * - Events we sent with seq ≤ A are stored: drop them. (If the answer to a
   *   batch was lost, the next connection_ack tells us here.)
   * - Events we never sent cannot be in the server's log, so if their seq is
   *   ≤ A the server's log came from an earlier life of this controller (e.g.
   *   the simulator restarted without state). Sending them with those seqs
   *   would be taken as duplicates and lost, so they are renumbered to follow A.
   * - If A is below what the server confirmed before, its log was reset. The
   *   events it forgot are gone from our queue and cannot be resent; to keep
   *   its log gap-free (otherwise it would ask for those seqs forever) the
   *   queue is renumbered to follow A.
   */
  applyServerSeq(serverAccepted: number): SyncResult {
    if (!Number.isInteger(serverAccepted) || serverAccepted < 0) {
      throw new RangeError(`acceptedThroughSeq must be a non-negative integer, got ${serverAccepted}`);
    }
    if (serverAccepted < this.#acceptedThrough) {
      this.#acceptedThrough = serverAccepted;
      for (const q of this.#queue) q.sent = false;
      this.#renumber();
      return { dropped: 0, renumbered: this.#queue.length, serverBehind: true };
    }
    let dropped = 0;
    while (dropped < this.#queue.length) {
      const q = this.#queue[dropped];
      if (!q || !q.sent || q.event.seq > serverAccepted) break;
      dropped++;
    }
    this.#queue.splice(0, dropped);
    // Seqs of the events still queued, before any renumbering: the head is
    // confirmed-through + 1, so a higher A means the head is one the server
    // already has from someone else's (an earlier life's) numbering.
    const head = this.#queue[0];
    const mustRenumber = head !== undefined && head.event.seq <= serverAccepted;
    this.#acceptedThrough = Math.max(this.#acceptedThrough, serverAccepted);
    if (mustRenumber) this.#renumber();
    return { dropped, renumbered: mustRenumber ? this.#queue.length : 0, serverBehind: false };
  }

  /**
   * Applies a `reportLockerEvents` answer. Returns what changed plus where to
   * resend from: always the head of the queue (see the invariants above), so
   * `resendFromSeq` needs no cursor of its own.
   */
  applyReply(
    reply: Pick<ReportReply, 'acceptedThroughSeq' | 'resendFromSeq'>,
  ): SyncResult & { resendFromSeq: number | null } {
    const result = this.applyServerSeq(reply.acceptedThroughSeq);
    const resendFromSeq = reply.resendFromSeq ?? null;
    return { ...result, resendFromSeq: resendFromSeq === null ? null : (this.#queue[0]?.event.seq ?? null) };
  }

  /** True when every event up to local id `localId` has been confirmed. */
  isSettled(localId: number): boolean {
    const head = this.#queue[0];
    return head === undefined || head.id > localId;
  }

  #renumber(): void {
    let seq = this.#acceptedThrough + 1;
    for (const q of this.#queue) q.event.seq = seq++;
  }
}
