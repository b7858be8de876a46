/**
 * The kit's server-side log of a controller's events, following PROTOCOL.md 3
 * to the letter: idempotent by seq, applied in seq order with no holes,
 * rejections that consume their seq, conflicts that leave the stored event
 * standing, lost ranges, and a fresh log whose first batch fixes where the
 * numbering starts.
 */
import { BANK_LEVEL_KINDS, isSeq, isZonedTime, jsonBytes, KNOWN_KINDS, MAX_SEQ, type Limits } from '../protocol.js';

/** One event as a controller sent it (GraphQL has checked the String fields). */
export interface EventIn {
  seq: unknown;
  label?: string | null;
  kind: unknown;
  at: string;
  code?: string | null;
  detail?: string | null;
}

export interface StoredEvent {
  seq: number;
  kind: string;
  label: string | null;
  at: string;
  code: string | null;
  detail: string | null;
  rejection: string | null;
  /** Put there by the kit, as if another device had used the token (conflict scenario). */
  foreign: boolean;
}

export interface ReportAnswer {
  acceptedThroughSeq: number;
  resendFromSeq: number | null;
  stored: number;
  duplicates: number;
  rejected: { seq: number; reason: string; message: string }[];
  flagged: { seq: number; flag: string; message: string }[];
  conflicts: { seq: number; storedKind: string; storedLabel: string | null; storedAt: string }[];
}

/** A batch refused as a whole (BAD_USER_INPUT). */
export class BatchRefused extends Error {
  constructor(
    message: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'BatchRefused';
  }
}

const KIND_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

function sameContent(a: StoredEvent, b: EventIn): boolean {
  return (
    a.kind === b.kind &&
    (a.label ?? null) === (b.label ?? null) &&
    a.at === b.at &&
    (a.code ?? null) === (b.code ?? null) &&
    (a.detail ?? null) === (b.detail ?? null)
  );
}

export class KitJournal {
  readonly #events = new Map<number, StoredEvent>();
  readonly #lost: { from: number; through: number }[] = [];
  #acceptedThroughSeq = 0;
  /** Nothing stored yet in this generation: the first batch fixes where numbering starts. */
  #fresh = true;

  constructor(
    private readonly limits: Limits,
    private readonly labels: () => ReadonlySet<string>,
  ) {}

  get acceptedThroughSeq(): number {
    return this.#acceptedThroughSeq;
  }

  /** Stored events in seq order (lost ranges are not events). */
  events(): StoredEvent[] {
    return [...this.#events.values()].sort((a, b) => a.seq - b.seq);
  }

  lostRanges(): readonly { from: number; through: number }[] {
    return this.#lost;
  }

  get(seq: number): StoredEvent | undefined {
    return this.#events.get(seq);
  }

  report(batch: readonly EventIn[]): ReportAnswer {
    const { maxBatchEvents, maxEventBytes } = this.limits;
    if (batch.length === 0) throw new BatchRefused('The batch is empty.');
    if (batch.length > maxBatchEvents) {
      throw new BatchRefused(
        `At most ${maxBatchEvents} events per batch (limits.maxBatchEvents); got ${batch.length}.`,
        {
          limit: maxBatchEvents,
        },
      );
    }
    if (jsonBytes(batch) > maxBatchEvents * maxEventBytes) {
      throw new BatchRefused(`The batch is larger than maxBatchEvents × maxEventBytes bytes.`);
    }
    batch.forEach((e, index) => {
      if (!isSeq(e.seq) || e.seq > MAX_SEQ) {
        throw new BatchRefused(`events[${index}].seq must be a whole number from 1 to 2^53 − 1.`, {
          index,
          field: 'seq',
        });
      }
      if (typeof e.kind !== 'string') {
        throw new BatchRefused(`events[${index}].kind must be a name.`, { index, field: 'kind' });
      }
    });

    const answer: ReportAnswer = {
      acceptedThroughSeq: 0,
      resendFromSeq: null,
      stored: 0,
      duplicates: 0,
      rejected: [],
      flagged: [],
      conflicts: [],
    };
    const sorted = [...batch].sort((a, b) => (a.seq as number) - (b.seq as number));
    if (this.#fresh && this.#events.size === 0 && this.#lost.length === 0) {
      this.#acceptedThroughSeq = (sorted[0]!.seq as number) - 1;
    }
    for (const event of sorted) {
      const seq = event.seq as number;
      if (seq <= this.#acceptedThroughSeq) {
        const stored = this.#events.get(seq);
        if (!stored) {
          // Inside a lost range, or before this log's start: answered as a duplicate, not stored.
          answer.duplicates++;
        } else if (sameContent(stored, event)) {
          answer.duplicates++;
        } else {
          answer.conflicts.push({ seq, storedKind: stored.kind, storedLabel: stored.label, storedAt: stored.at });
        }
        continue;
      }
      if (seq !== this.#acceptedThroughSeq + 1) {
        answer.resendFromSeq = this.#acceptedThroughSeq + 1;
        break; // nothing from the gap on is stored
      }
      this.#store(event, answer);
    }
    answer.acceptedThroughSeq = this.#acceptedThroughSeq;
    return answer;
  }

  #store(event: EventIn, answer: ReportAnswer): void {
    const seq = event.seq as number;
    const kind = event.kind as string;
    const label = event.label ?? null;
    const rejection = this.#rejection(event);
    if (rejection) answer.rejected.push({ seq, reason: rejection.reason, message: rejection.message });
    else {
      if ((event.detail?.length ?? 0) > this.limits.maxDetailLength) {
        answer.flagged.push({ seq, flag: 'TRUNCATED', message: `detail cut to ${this.limits.maxDetailLength}` });
      } else if ((event.code?.length ?? 0) > this.limits.maxCodeLength) {
        answer.flagged.push({ seq, flag: 'TRUNCATED', message: `code cut to ${this.limits.maxCodeLength}` });
      }
    }
    this.#events.set(seq, {
      seq,
      kind,
      label,
      at: event.at,
      code: event.code ?? null,
      detail: event.detail ?? null,
      rejection: rejection?.reason ?? null,
      foreign: false,
    });
    this.#fresh = false;
    this.#acceptedThroughSeq = seq;
    answer.stored++;
  }

  #rejection(event: EventIn): { reason: string; message: string } | null {
    const kind = event.kind as string;
    if (jsonBytes(event) > this.limits.maxEventBytes) {
      return { reason: 'TOO_LARGE', message: `larger than ${this.limits.maxEventBytes} bytes as JSON` };
    }
    if (!isZonedTime(event.at))
      return { reason: 'INVALID_TIME', message: `${JSON.stringify(event.at)} is not ISO 8601 with a zone` };
    if (!KNOWN_KINDS.has(kind) || kind.length > this.limits.maxKindLength || !KIND_NAME.test(kind)) {
      return { reason: 'UNKNOWN_KIND', message: `unknown kind ${kind.slice(0, 64)}` };
    }
    if (BANK_LEVEL_KINDS.has(kind)) return null;
    const label = event.label ?? null;
    if (!label || label.length > this.limits.maxLabelLength) {
      return { reason: 'INVALID_LABEL', message: 'a compartment kind needs a label of at most 16 characters' };
    }
    const known = [...this.labels()].some((l) => l.toLowerCase() === label.toLowerCase());
    if (!known) return { reason: 'UNKNOWN_COMPARTMENT', message: `no compartment ${label} in this bank` };
    return null;
  }

  /** markLockerEventsLost. Throws BatchRefused (BAD_USER_INPUT) when the range does not start right after the log. */
  markLost(from: number, through: number, reason: string): number {
    if (from !== this.#acceptedThroughSeq + 1) {
      throw new BatchRefused(`fromSeq must be acceptedThroughSeq + 1 (${this.#acceptedThroughSeq + 1}).`, {
        acceptedThroughSeq: this.#acceptedThroughSeq,
      });
    }
    if (!Number.isSafeInteger(through) || through < from || through > MAX_SEQ) {
      throw new BatchRefused('throughSeq must be at least fromSeq and at most 2^53 − 1.', { field: 'throughSeq' });
    }
    if (reason.length < 1 || reason.length > 500) {
      throw new BatchRefused('reason must be 1–500 characters.', { field: 'reason' });
    }
    this.#lost.push({ from, through });
    this.#fresh = false;
    this.#acceptedThroughSeq = through;
    return through;
  }

  /** Another device with the same token stored these seqs (conflict scenario). */
  insertForeign(count: number, at: string): { from: number; through: number } {
    const from = this.#acceptedThroughSeq + 1;
    for (let seq = from; seq < from + count; seq++) {
      this.#events.set(seq, {
        seq,
        kind: 'DOOR_CLOSED',
        label: 'A12',
        at,
        code: null,
        detail: 'kit: stored by another device using this token',
        rejection: null,
        foreign: true,
      });
    }
    this.#fresh = false;
    this.#acceptedThroughSeq = from + count - 1;
    return { from, through: this.#acceptedThroughSeq };
  }

  /** The server's database was restored from an older backup: the log ends at `seq` again. */
  truncateTo(seq: number): void {
    for (const key of [...this.#events.keys()]) if (key > seq) this.#events.delete(key);
    for (let i = this.#lost.length - 1; i >= 0; i--) {
      const range = this.#lost[i]!;
      if (range.from > seq) this.#lost.splice(i, 1);
      else if (range.through > seq) range.through = seq;
    }
    this.#acceptedThroughSeq = Math.min(this.#acceptedThroughSeq, seq);
  }
}
