/**
 * The controller event journal on the server (PROTOCOL.md 3 and 4):
 * `reportLockerEvents` and `markLockerEventsLost`.
 *
 * A batch is refused as a whole only when it cannot be read (empty, too many
 * events or bytes, a seq that is not one). Everything else is answered per
 * event: stored without effect (`rejected`), stored and applied with a note
 * (`flagged`), or not stored because the seq holds other content
 * (`conflicts`). So one bad event never blocks the events after it.
 *
 * The rules that need no database are in event-rules.ts; sequencing and the
 * transaction are in the lockers store (recordControllerEvents).
 *
 * A bank's batches and lost ranges are handled one after another, in the
 * order they came (serial.ts): a controller that sends its next batch before
 * the answer to the last gets the answers it would have got had it waited,
 * never a gap because the later batch reached the database first.
 */
import { authorizeController, type Principal } from '../access/authorize.js';
import type { LockerService } from '../lockers/service.js';
import type { ControllerEventHook } from '../lockers/store.js';
import type { LockerEventRow } from '../lockers/types.js';
import type { Clock } from '../shared/clock.js';
import { badInput } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import {
  batchProblem,
  isClockTrusted,
  MAX_SEQ,
  readEvent,
  sameEvent,
  type ReadEvent,
  type TimeWindow,
} from './event-rules.js';
import { createSerialQueues } from '../shared/serial.js';

/**
 * Called after a batch's transaction commits, with every event stored now in
 * seq order, rejected ones included (`rejection` set): a listener acts only on
 * those without one, and may report the others (EVENT_REJECTED).
 * `clockTrusted`: the bank's clock offset is known and within the tolerance,
 * so unflagged events' `occurredAt` may time durations (PROTOCOL.md 4).
 */
export type ControllerEventsListener = (
  bankId: string,
  events: LockerEventRow[],
  context: { clockTrusted: boolean },
) => void | Promise<void>;

/**
 * Async work on a batch before its transaction (outside it), e.g. verifying
 * QR signatures. Gets the events that will be applied, with their time on the
 * server's time line.
 */
export type EventPreparer = (
  events: readonly { kind: string; detail: string | null; occurredAt: Date }[],
) => Promise<void>;

/** What the configuration decides (connection_ack tells controllers the same numbers). */
export interface JournalSettings {
  batchLimit: number;
  eventMaxBytes: number;
  clockToleranceMs: number;
  clockMaxAheadMs: number;
  eventMaxAgeMs: number;
  /** The bank's last measured clock offset (owned by the connection side; controllers.ts clockOf). */
  clockOf: (bankId: string) => Promise<{ offsetMs: number } | null> | { offsetMs: number } | null;
}

export interface JournalDeps extends JournalSettings {
  lockers: LockerService;
  clock: Clock;
  logger: Logger;
  hooks: readonly ControllerEventHook[];
  listeners: readonly ControllerEventsListener[];
  prepare: EventPreparer;
}

/** The answer to reportLockerEvents and markLockerEventsLost (schema ReportLockerEventsPayload). */
export interface JournalAnswer {
  acceptedThroughSeq: number;
  resendFromSeq: number | null;
  stored: number;
  duplicates: number;
  rejected: { seq: number; reason: NonNullable<ReadEvent['rejection']>; message: string }[];
  flagged: { seq: number; flag: ReadEvent['flags'][number]['flag']; message: string }[];
  conflicts: { seq: number; storedKind: string; storedLabel: string | null; storedAt: Date }[];
}

export const LOST_REASON_MAX = 500;

export function createEventJournal(deps: JournalDeps) {
  const { lockers, clock, logger } = deps;
  const window: TimeWindow = {
    toleranceMs: deps.clockToleranceMs,
    maxAheadMs: deps.clockMaxAheadMs,
    maxAgeMs: deps.eventMaxAgeMs,
  };
  const queues = createSerialQueues();

  /** After the commit; each listener awaited in turn, a failing one logged (the events are stored). */
  async function tellListeners(bankId: string, events: LockerEventRow[], clockTrusted: boolean) {
    if (events.length === 0) return;
    for (const listener of deps.listeners) {
      try {
        await listener(bankId, events, { clockTrusted });
      } catch (err) {
        logger.error({ err, bankId }, 'controller event listener failed');
      }
    }
  }

  /** A batch, its turn come. */
  async function reportInTurn(
    device: { bankId: string; generation: number },
    input: readonly unknown[],
  ): Promise<JournalAnswer> {
    const receivedAt = clock.now();
    const offsetMs = (await deps.clockOf(device.bankId))?.offsetMs ?? null;
    const clockTrusted = isClockTrusted(offsetMs, deps.clockToleranceMs);
    const labels = new Set((await lockers.store.compartmentsByBankIds([device.bankId])).map((c) => c.label));
    const events = input.map((raw) =>
      readEvent(raw as Record<string, unknown>, {
        receivedAt,
        offsetMs,
        window,
        maxEventBytes: deps.eventMaxBytes,
        labels,
      }),
    );
    await deps.prepare(events.filter((e) => !e.rejection));

    const outcome = await lockers.store.recordControllerEvents(device.bankId, device.generation, events, receivedAt, {
      hooks: deps.hooks,
      isSameEvent: sameEvent,
    });
    // Committed: now publish and run what the hooks left for after the commit.
    lockers.publishCompartments(outcome.changed);
    // In order, each to its end (they never reject: see parcels afterCommitted).
    for (const run of outcome.afterCommit) await run();
    await tellListeners(
      device.bankId,
      outcome.stored.map((s) => s.row),
      clockTrusted,
    );

    const answer: JournalAnswer = {
      acceptedThroughSeq: outcome.acceptedThroughSeq,
      resendFromSeq: outcome.resendFromSeq,
      stored: outcome.stored.length,
      duplicates: outcome.duplicates,
      rejected: [],
      flagged: [],
      conflicts: outcome.conflicts.map(({ stored }) => ({
        seq: stored.seq ?? 0,
        storedKind: stored.reportedKind ?? stored.kind,
        storedLabel: stored.label,
        storedAt: stored.occurredAt,
      })),
    };
    for (const { event } of outcome.stored) {
      if (event.rejection) {
        answer.rejected.push({ seq: event.seq, reason: event.rejection, message: event.rejectionMessage ?? '' });
      } else {
        for (const f of event.flags) answer.flagged.push({ seq: event.seq, flag: f.flag, message: f.message });
      }
    }
    if (answer.rejected.length || answer.conflicts.length) {
      logger.warn(
        {
          bankId: device.bankId,
          rejected: answer.rejected.map((r) => `${r.seq}:${r.reason}`),
          conflicts: answer.conflicts.map((c) => c.seq),
        },
        'controller events stored without effect or in conflict',
      );
    }
    return answer;
  }

  /** A lost range, its turn come. */
  async function markLostInTurn(
    device: { bankId: string; generation: number },
    fromSeq: number,
    throughSeq: number,
    range: string,
    why: string,
  ): Promise<JournalAnswer> {
    const outcome = await lockers.store.recordLostRange(
      device.bankId,
      device.generation,
      { fromSeq, throughSeq, detail: `${range} lost: ${why}` },
      clock.now(),
    );
    if (!outcome.ok) {
      throw badInput(
        `fromSeq must be acceptedThroughSeq + 1 (${outcome.acceptedThroughSeq + 1}); the log ends at ${outcome.acceptedThroughSeq}.`,
        { field: 'fromSeq', acceptedThroughSeq: outcome.acceptedThroughSeq },
      );
    }
    logger.warn({ bankId: device.bankId, fromSeq, throughSeq, reason: why }, 'controller declared events lost');
    const offsetMs = (await deps.clockOf(device.bankId))?.offsetMs ?? null;
    await tellListeners(device.bankId, [outcome.row], isClockTrusted(offsetMs, deps.clockToleranceMs));
    return {
      acceptedThroughSeq: outcome.acceptedThroughSeq,
      resendFromSeq: null,
      stored: 1,
      duplicates: 0,
      rejected: [],
      flagged: [],
      conflicts: [],
    };
  }

  return {
    async report(principal: Principal, input: readonly unknown[]): Promise<JournalAnswer> {
      const device = authorizeController(principal, 'Mutation.reportLockerEvents');
      const problem = batchProblem(input, { maxEvents: deps.batchLimit, maxEventBytes: deps.eventMaxBytes });
      if (problem) throw badInput(problem.message, problem.extensions);
      // The receipt time is taken when the batch's turn comes (as when batches ran one at a time).
      return queues.run(device.bankId, () => reportInTurn(device, input));
    },

    /**
     * The controller cannot send seqs `fromSeq`…`throughSeq` (its journal was
     * wiped, or it has not the events `resendFromSeq` asks for): one
     * EVENTS_LOST entry, and numbering continues after `throughSeq`.
     */
    async markLost(principal: Principal, fromSeq: number, throughSeq: number, reason: string): Promise<JournalAnswer> {
      const device = authorizeController(principal, 'Mutation.markLockerEventsLost');
      const why = reason.trim();
      if (why.length < 1 || why.length > LOST_REASON_MAX) {
        throw badInput(`Give a reason of 1–${LOST_REASON_MAX} characters.`, { field: 'reason' });
      }
      if (!Number.isSafeInteger(throughSeq) || throughSeq > MAX_SEQ || throughSeq < fromSeq) {
        throw badInput('throughSeq must be at least fromSeq and at most 2^53 − 1.', { field: 'throughSeq' });
      }
      const range = fromSeq === throughSeq ? `Event ${fromSeq}` : `Events ${fromSeq}–${throughSeq}`;
      return queues.run(device.bankId, () => markLostInTurn(device, fromSeq, throughSeq, range, why));
    },
  };
}
export type EventJournal = ReturnType<typeof createEventJournal>;
