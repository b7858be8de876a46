/**
 * The rules of the event journal that need no database (PROTOCOL.md 3 and 4):
 * what a batch must be to be read at all, how one event is read (rejections,
 * flags, cut fields), where it lies on the server's time line, and when a
 * resent event is the same as the one stored. Pure, so each rule is
 * unit-tested on its own (event-rules.test.ts); journal.ts applies them.
 */
import {
  BANK_EVENT_KINDS,
  DEVICE_EVENT_KINDS,
  type EVENT_FLAGS,
  type EVENT_REJECTIONS,
  type LOCKER_EVENT_KINDS,
} from '../../../drizzle/schema/lockers.js';
import { parseInstant } from '../graphql/scalars.js';

export type EventFlag = (typeof EVENT_FLAGS)[number];
export type EventRejection = (typeof EVENT_REJECTIONS)[number];
type LogKind = (typeof LOCKER_EVENT_KINDS)[number];

/** Field limits of one event (sent to controllers in connection_ack.limits). */
export const EVENT_LIMITS = { label: 16, detail: 500, code: 32, kind: 64 } as const;
/** How much of a reported `at` that could not be used is kept (a real ISO 8601 time is at most 35 characters). */
const REPORTED_AT_KEPT = 64;
export const MAX_SEQ = Number.MAX_SAFE_INTEGER;

const DEVICE_KINDS: ReadonlySet<string> = new Set(DEVICE_EVENT_KINDS);
const BANK_KINDS: ReadonlySet<string> = new Set(BANK_EVENT_KINDS);

// --- the batch -----------------------------------------------------------------

export interface BatchLimits {
  maxEvents: number;
  maxEventBytes: number;
}

/** Bytes of a value encoded as JSON in UTF-8, as PROTOCOL.md 3 measures an event. */
export const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');

/** Why `seq` is not a whole number from 1 to 2^53 − 1, or null when it is one. */
export function seqProblem(seq: unknown): string | null {
  if (typeof seq !== 'number') return `must be a JSON number, got ${typeof seq === 'string' ? 'a string' : typeof seq}`;
  if (!Number.isInteger(seq)) return `must be a whole number, got ${seq}`;
  if (seq < 1 || seq > MAX_SEQ) return `must be from 1 to 2^53 − 1 (${MAX_SEQ}), got ${seq}`;
  return null;
}

/**
 * The only reasons a whole batch is refused (PROTOCOL.md 3): empty, too many
 * events, too many bytes, or a seq that is not one. Null when it may be read.
 * The bytes are the sum of the events' own sizes, so a batch whose events each
 * keep to maxEventBytes is never refused for its size.
 */
export function batchProblem(
  events: readonly unknown[],
  limits: BatchLimits,
): { message: string; extensions: Record<string, unknown> } | null {
  if (events.length === 0) return { message: 'Send at least one event.', extensions: {} };
  if (events.length > limits.maxEvents) {
    return {
      message: `At most ${limits.maxEvents} events per call; split the batch.`,
      extensions: { limit: limits.maxEvents },
    };
  }
  const maxBytes = limits.maxEvents * limits.maxEventBytes;
  let bytes = 0;
  for (const e of events) bytes += jsonBytes(e);
  if (bytes > maxBytes) {
    return {
      message: `The batch is ${bytes} bytes as JSON; at most ${maxBytes} (${limits.maxEvents} × ${limits.maxEventBytes}). Split it.`,
      extensions: { limit: maxBytes },
    };
  }
  for (let i = 0; i < events.length; i++) {
    const problem = seqProblem((events[i] as { seq?: unknown } | null)?.seq);
    if (problem) {
      return { message: `events[${i}].seq ${problem}.`, extensions: { index: i, field: 'seq' } };
    }
  }
  return null;
}

// --- time (PROTOCOL.md 4) -------------------------------------------------------

export interface TimeWindow {
  /** The clock is trusted (times used as sent) while its offset is within this. */
  toleranceMs: number;
  /** A (corrected) time further ahead of the server than this is not believed … */
  maxAheadMs: number;
  /** … nor one older than this. */
  maxAgeMs: number;
}

export interface PlacedInTime {
  /** On the server's time line. */
  occurredAt: Date;
  /** `at` as sent, when it was not used as is; null otherwise. */
  reportedAt: string | null;
  flags: ('CLOCK_CORRECTED' | 'CLOCK_OUT_OF_RANGE')[];
  /** False when `at` is not an ISO 8601 time with a zone (INVALID_TIME): occurredAt is then the receipt. */
  valid: boolean;
}

/** A clock is trusted while its last measured offset is within the tolerance; an unmeasured one never is. */
export const isClockTrusted = (offsetMs: number | null, toleranceMs: number) =>
  offsetMs !== null && Math.abs(offsetMs) <= toleranceMs;

/**
 * Where a reported `at` lies on the server's time line:
 * - no zone, or not a time: the receipt time, invalid;
 * - offset known and beyond the tolerance: `at − offset`, CLOCK_CORRECTED;
 * - then, outside [receipt − maxAge, receipt + maxAhead]: the receipt time, CLOCK_OUT_OF_RANGE.
 * `reportedAt` keeps `at` whenever it was not used as is.
 */
export function placeInTime(input: {
  at: unknown;
  receivedAt: Date;
  /** Controller clock minus server clock; null when never measured (version 1, or no time sent). */
  offsetMs: number | null;
  window: TimeWindow;
}): PlacedInTime {
  const { at, receivedAt, offsetMs, window } = input;
  const kept = typeof at === 'string' ? at.slice(0, REPORTED_AT_KEPT) : String(at).slice(0, REPORTED_AT_KEPT);
  const parsed = parseInstant(at);
  if (!parsed) return { occurredAt: receivedAt, reportedAt: kept, flags: [], valid: false };
  const flags: PlacedInTime['flags'] = [];
  let time = parsed.getTime();
  if (offsetMs !== null && !isClockTrusted(offsetMs, window.toleranceMs)) {
    time -= offsetMs;
    flags.push('CLOCK_CORRECTED');
  }
  const received = receivedAt.getTime();
  if (time > received + window.maxAheadMs || time < received - window.maxAgeMs) {
    flags.push('CLOCK_OUT_OF_RANGE');
    time = received;
  }
  return { occurredAt: new Date(time), reportedAt: flags.length ? kept : null, flags, valid: true };
}

/** Whether a duration (a door left open) may count from the event's own time (PROTOCOL.md 4, Durations). */
export const timeIsBelievable = (flags: readonly string[], clockTrusted: boolean) =>
  clockTrusted && !flags.includes('CLOCK_CORRECTED') && !flags.includes('CLOCK_OUT_OF_RANGE');

// --- one event -----------------------------------------------------------------

/** An event as the journal stores it, with what the answer says about it. */
export interface ReadEvent {
  seq: number;
  kind: LogKind;
  /** The name as sent (cut to 64), kept when it is not one of ours. */
  reportedKind: string | null;
  /** The name as sent (cut to 64), for comparing a resend. */
  kindAsSent: string;
  /** Bank-level kinds belong to no compartment. */
  bankLevel: boolean;
  /** Upper-cased, cut to 16; null when none was sent. */
  label: string | null;
  code: string | null;
  detail: string | null;
  occurredAt: Date;
  reportedAt: string | null;
  /** The instant `at` names (ms), or `at` itself when it names none: what a resend must repeat. */
  atAsSent: number | string;
  rejection: EventRejection | null;
  /** For the answer: why it was rejected. */
  rejectionMessage: string | null;
  flags: { flag: EventFlag; message: string }[];
}

export interface ReadContext {
  receivedAt: Date;
  offsetMs: number | null;
  window: TimeWindow;
  maxEventBytes: number;
  /** The bank's compartment labels (upper case). */
  labels: ReadonlySet<string>;
}

/** GraphQL types label, code and detail as strings (or null); anything else counts as absent. */
const cut = (value: unknown, max: number): { text: string | null; cut: boolean } => {
  if (typeof value !== 'string') return { text: null, cut: false };
  return value.length > max ? { text: value.slice(0, max), cut: true } : { text: value, cut: false };
};

/**
 * Reads one event of a batch whose seqs were checked (batchProblem). Never
 * throws: whatever is wrong with it becomes its rejection (the first that
 * applies of TOO_LARGE, UNKNOWN_KIND, INVALID_LABEL, UNKNOWN_COMPARTMENT,
 * INVALID_TIME) or a flag, and what is too long is cut.
 */
export function readEvent(raw: Record<string, unknown>, ctx: ReadContext): ReadEvent {
  const seq = raw.seq as number;
  const name = typeof raw.kind === 'string' ? raw.kind : String(raw.kind);
  const kindAsSent = name.slice(0, EVENT_LIMITS.kind);
  const known = DEVICE_KINDS.has(name);
  const kind = (known ? name : 'UNRECOGNISED') as LogKind;
  const bankLevel = known && BANK_KINDS.has(name);

  const trimmed = typeof raw.label === 'string' ? raw.label.trim().toUpperCase() : null;
  const sentLabel = trimmed === '' ? null : trimmed;
  const label = cut(sentLabel, EVENT_LIMITS.label);
  const code = cut(raw.code, EVENT_LIMITS.code);
  const detail = cut(raw.detail, EVENT_LIMITS.detail);
  const time = placeInTime({ at: raw.at, receivedAt: ctx.receivedAt, offsetMs: ctx.offsetMs, window: ctx.window });
  const bytes = jsonBytes(raw);

  const flags: ReadEvent['flags'] = [];
  if (detail.cut || code.cut) {
    flags.push({
      flag: 'TRUNCATED',
      message: [
        detail.cut ? `detail cut to ${EVENT_LIMITS.detail} characters` : null,
        code.cut ? `code cut to ${EVENT_LIMITS.code} characters` : null,
      ]
        .filter(Boolean)
        .join('; '),
    });
  }
  for (const flag of time.flags) {
    flags.push({
      flag,
      message:
        flag === 'CLOCK_CORRECTED'
          ? `Your clock is ${ctx.offsetMs} ms off the server's; the time was corrected by it.`
          : `The time is outside what the server believes (more than ${Math.round(ctx.window.maxAheadMs / 1000)} s ahead or ${Math.round(ctx.window.maxAgeMs / 3_600_000)} h old); stored with the receipt time.`,
    });
  }

  let rejection: EventRejection | null = null;
  let rejectionMessage: string | null = null;
  const reject = (reason: EventRejection, message: string) => {
    if (!rejection) {
      rejection = reason;
      rejectionMessage = message;
    }
  };
  if (bytes > ctx.maxEventBytes)
    reject('TOO_LARGE', `The event is ${bytes} bytes as JSON; at most ${ctx.maxEventBytes}.`);
  if (!known) reject('UNKNOWN_KIND', `Kind "${kindAsSent}" is not one this server knows; stored as UNRECOGNISED.`);
  if (label.cut) reject('INVALID_LABEL', `A label is at most ${EVENT_LIMITS.label} characters.`);
  if (known && !bankLevel) {
    if (!label.text) reject('INVALID_LABEL', `${name} needs the compartment's label.`);
    else if (!ctx.labels.has(label.text)) reject('UNKNOWN_COMPARTMENT', `No compartment ${label.text} in this bank.`);
  }
  if (!time.valid) {
    reject(
      'INVALID_TIME',
      "`at` must be an ISO 8601 time with a zone (Z or ±hh:mm); stored with the server's receipt time.",
    );
  }

  const parsedAt = time.valid ? parseInstant(raw.at) : null;
  return {
    seq,
    kind,
    reportedKind: known ? null : kindAsSent,
    kindAsSent,
    bankLevel,
    label: label.text,
    code: code.text,
    detail: detail.text,
    occurredAt: time.occurredAt,
    reportedAt: time.reportedAt,
    atAsSent: parsedAt ? parsedAt.getTime() : (time.reportedAt ?? ''),
    rejection,
    rejectionMessage,
    flags,
  };
}

/** What a stored controller event says happened, in the terms a resend is compared in. */
export interface StoredEventContent {
  kind: string;
  reportedKind: string | null;
  label: string | null;
  occurredAt: Date;
  reportedAt: string | null;
  code: string | null;
  detail: string | null;
}

/**
 * A resend is the same event when its kind (as sent), label, the instant its
 * `at` names, code and detail match what is stored, each read the way it was
 * read when stored (cut, upper-cased). The instant, not the corrected time:
 * a clock offset measured anew between the two sends changes nothing.
 */
export function sameEvent(stored: StoredEventContent, sent: ReadEvent): boolean {
  const storedAt =
    stored.reportedAt === null
      ? stored.occurredAt.getTime()
      : (parseInstant(stored.reportedAt)?.getTime() ?? stored.reportedAt);
  return (
    (stored.reportedKind ?? stored.kind) === sent.kindAsSent &&
    stored.label === sent.label &&
    storedAt === sent.atAsSent &&
    stored.code === sent.code &&
    stored.detail === sent.detail
  );
}
