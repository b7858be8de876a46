/**
 * Staff alerts (door left open, lockouts, tamper, "door did not open") and
 * the question "who opened this door, how, when".
 */
import type { Bus } from '../bus/index.js';
import type { Db, Queryable } from '../db/index.js';
import type { LockerEventRow } from '../lockers/types.js';
import { timeIsBelievable } from '../devices/event-rules.js';
import { authorize } from '../access/authorize.js';
import type { Viewer } from '../people/types.js';
import type { Clock } from '../shared/clock.js';
import { notFound } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import type { Logger } from '../shared/logger.js';
import { createAuditStore } from './store.js';
import { alertTopic, type AlertKind, type ReportedOpeningRow, type StaffAlertRow } from './types.js';

/** Alert kinds that stay one open alert per bank and compartment (or per bank, without one) until staff resolve it. */
const DEDUPED_UNTIL_RESOLVED: ReadonlySet<AlertKind> = new Set([
  'DOOR_LEFT_OPEN',
  'TAMPER',
  'DOOR_DID_NOT_OPEN',
  'CLOCK_OFF',
  // One per bank: the first rejected event names the problem; the log (problems only) holds the rest.
  'EVENT_REJECTED',
]);

/**
 * Bank-level conditions a controller reports (PROTOCOL.md 3), each a
 * BANK_CONDITION alert, one open per bank and condition. The phrase is in the
 * message and tells the conditions apart (the alert has no field of its own
 * for it); `until` names the events that end the condition by themselves.
 */
const BANK_CONDITIONS: Readonly<Record<string, { phrase: string; until: readonly string[] }>> = {
  POWER_LOST: { phrase: 'mains power lost', until: ['POWER_RESTORED'] },
  UPS_ON_BATTERY: { phrase: 'running on its UPS battery', until: ['POWER_RESTORED'] },
  UPS_BATTERY_LOW: { phrase: 'UPS battery low', until: [] },
  CABINET_TAMPER: { phrase: 'cabinet opened or forced', until: [] },
  TEMPERATURE_HIGH: { phrase: 'temperature too high', until: ['TEMPERATURE_NORMAL'] },
};

export interface AuditServiceDeps {
  db: Db;
  bus: Bus;
  clock: Clock;
  logger: Logger;
  /** A door open longer than this raises DOOR_LEFT_OPEN. */
  doorLeftOpenMs: number;
}

export function createAuditService({ db, bus, clock, logger, doorLeftOpenMs }: AuditServiceDeps) {
  const store = createAuditStore(db);
  const doorTimers = new Map<string, NodeJS.Timeout>();

  interface AlertInput {
    kind: AlertKind;
    bankId: string | null;
    compartmentLabel?: string | null;
    parcelId?: string | null;
    message: string;
  }

  /**
   * Raises an alert unless `existing` finds one open already: the look-up and
   * the insert are one transaction, so two instances (or two batches at once)
   * raise a condition once. Published after the commit.
   */
  async function raiseUnless(
    input: AlertInput,
    existing: ((tx: Queryable) => Promise<StaffAlertRow | undefined>) | null,
  ): Promise<{ alert: StaffAlertRow; raised: boolean }> {
    const outcome = await db.transaction(async (tx) => {
      const open = existing ? await existing(tx) : undefined;
      if (open) return { alert: open, raised: false };
      const alert = await store.insertAlert(
        {
          id: newId('alr'),
          kind: input.kind,
          bankId: input.bankId,
          compartmentLabel: input.compartmentLabel ?? null,
          parcelId: input.parcelId ?? null,
          message: input.message,
          createdAt: clock.now(),
        },
        tx,
      );
      return { alert, raised: true };
    });
    if (outcome.raised) {
      const { alert } = outcome;
      logger.warn({ alert: alert.kind, bankId: alert.bankId, label: alert.compartmentLabel }, alert.message);
      bus.publish(alertTopic, alert);
    }
    return outcome;
  }

  /** Call after the change it tells about has committed (it is a transaction of its own, and publishes). */
  async function raise(input: AlertInput): Promise<StaffAlertRow> {
    // Conditions (a door still open, tamper, a door reported stuck) are raised
    // once until resolved; occurrences (a lockout) are each an alert of their
    // own. A stuck door reported again (or 200 times in one aliased request)
    // is the same open alert, so staff are paged once per door.
    const bankId = input.bankId;
    const deduped = bankId && DEDUPED_UNTIL_RESOLVED.has(input.kind);
    const { alert } = await raiseUnless(
      input,
      deduped ? (tx) => store.openAlertFor(input.kind, bankId, input.compartmentLabel ?? null, tx) : null,
    );
    return alert;
  }

  /** The open BANK_CONDITION alert of this bank for a condition, by its phrase (messages read "<bank>: <phrase>…"). */
  const openCondition = async (bankId: string, phrase: string, q?: Queryable) =>
    (await store.openAlertsOf('BANK_CONDITION', bankId, q)).find((a) => a.message.includes(`: ${phrase}`));

  /** Resolves (by nobody: the bank's own report) what `find` finds open, in one transaction; published after. */
  async function resolveFound(find: (tx: Queryable) => Promise<StaffAlertRow[]>): Promise<StaffAlertRow[]> {
    const resolved = await db.transaction(async (tx) => {
      const out: StaffAlertRow[] = [];
      for (const open of await find(tx)) {
        const r = await store.resolveAlert(open.id, null, clock.now(), tx);
        if (r) out.push(r);
      }
      return out;
    });
    for (const r of resolved) bus.publish(alertTopic, r);
    return resolved;
  }

  /** Door timers, in the batch's order and without waiting: a DOOR_CLOSED later in the batch cancels its DOOR_OPENED. */
  function watchDoors(bankId: string, bankName: string, events: LockerEventRow[], clockTrusted: boolean) {
    for (const e of events) {
      if (e.rejection || !e.label || !e.compartmentId) continue;
      const key = `${bankId}:${e.label}`;
      if (e.kind === 'DOOR_OPENED') {
        clearTimeout(doorTimers.get(key));
        const label = e.label;
        const since = timeIsBelievable(e.flags ? e.flags.split(',') : [], clockTrusted)
          ? e.occurredAt.getTime()
          : clock.now().getTime();
        const left = Math.max(0, doorLeftOpenMs - (clock.now().getTime() - since));
        // Even when the time is already up, a timer: a DOOR_CLOSED later in the same batch cancels it.
        const t = setTimeout(() => {
          doorTimers.delete(key);
          raise({
            kind: 'DOOR_LEFT_OPEN',
            bankId,
            compartmentLabel: label,
            message: `${bankName} ${label}: door open for more than ${Math.round(doorLeftOpenMs / 1000)} s.`,
          }).catch((err: unknown) => logger.error({ err, bankId, label }, 'DOOR_LEFT_OPEN alert not raised'));
        }, left);
        t.unref();
        doorTimers.set(key, t);
      } else if (e.kind === 'DOOR_CLOSED') {
        clearTimeout(doorTimers.get(key));
        doorTimers.delete(key);
      }
    }
  }

  return {
    store,
    raise,

    /** Inside the caller's transaction: a door the controller opened by itself (offline QR). */
    async recordReportedOpening(tx: Queryable, row: ReportedOpeningRow): Promise<void> {
      await store.insertReportedOpening(row, tx);
    },

    /**
     * Watches what controllers report, after each batch commits. Rejected
     * events change nothing: they only raise EVENT_REJECTED (one open per
     * bank). A door open longer than doorLeftOpenMs raises DOOR_LEFT_OPEN,
     * counted from the event's own time when the bank's clock is trusted and
     * the time was used as sent, otherwise from now (PROTOCOL.md 4, Durations);
     * closing it cancels the timer and clears the alert. Bank-level conditions
     * raise BANK_CONDITION; lost ranges EVENTS_LOST.
     */
    async onControllerEvents(
      bankId: string,
      bankName: string,
      events: LockerEventRow[],
      context: { clockTrusted: boolean } = { clockTrusted: false },
    ): Promise<void> {
      // The timers first, synchronously: no await may let an elapsed one fire before its DOOR_CLOSED.
      watchDoors(bankId, bankName, events, context.clockTrusted);
      const firstRejected = events.find((e) => e.rejection);
      if (firstRejected) {
        const what = [firstRejected.reportedKind ?? firstRejected.kind, firstRejected.label].filter(Boolean).join(' ');
        await raise({
          kind: 'EVENT_REJECTED',
          bankId,
          message: `${bankName}: the controller's event ${firstRejected.seq} (${what}) was stored without effect: ${firstRejected.rejection}. Further ones are in the bank's event log (problems only).`,
        });
      }
      let leftOpen: StaffAlertRow[] | undefined;
      for (const e of events) {
        if (e.rejection) continue;
        if (e.kind === 'EVENTS_LOST') {
          await raise({ kind: 'EVENTS_LOST', bankId, message: `${bankName}: ${e.detail ?? 'events lost'}` });
          continue;
        }
        const condition = BANK_CONDITIONS[e.kind];
        if (condition) {
          await raiseUnless(
            {
              kind: 'BANK_CONDITION',
              bankId,
              message: `${bankName}: ${condition.phrase}${e.detail ? ` (${e.detail})` : ''}.`,
            },
            (tx) => openCondition(bankId, condition.phrase, tx),
          );
          continue;
        }
        for (const ended of Object.values(BANK_CONDITIONS).filter((c) => c.until.includes(e.kind))) {
          await resolveFound(async (tx) => {
            const open = await openCondition(bankId, ended.phrase, tx);
            return open ? [open] : [];
          });
        }
        if (!e.label || !e.compartmentId) continue;
        if (e.kind === 'DOOR_CLOSED') {
          // One query per batch, not per door event (a journal of 500 is mostly doors).
          leftOpen ??= await store.openAlertsOf('DOOR_LEFT_OPEN', bankId);
          const label = e.label;
          const open = leftOpen.filter((a) => a.compartmentLabel === label && !a.resolvedAt);
          if (open.length === 0) continue;
          const resolved = await resolveFound(() => Promise.resolve(open));
          for (const r of resolved) {
            const cached = leftOpen.find((a) => a.id === r.id);
            if (cached) cached.resolvedAt = r.resolvedAt;
          }
        } else if (e.kind === 'TAMPER') {
          await raise({
            kind: 'TAMPER',
            bankId,
            compartmentLabel: e.label,
            message: `${bankName} ${e.label}: tamper reported${e.detail ? ` (${e.detail})` : ''}.`,
          });
        }
      }
    },

    /** Operators only (scope all): an alert's message names its bank, so no narrower scope is offered. */
    async listAlerts(viewer: Viewer | null, includeResolved: boolean, limit: number): Promise<StaffAlertRow[]> {
      authorize(viewer, 'Query.staffAlerts');
      return store.listAlerts(includeResolved, Math.min(Math.max(limit, 1), 500));
    },

    async resolveAlert(viewer: Viewer | null, id: string): Promise<StaffAlertRow> {
      const v = authorize(viewer, 'Mutation.resolveStaffAlert');
      const outcome = await db.transaction(async (tx) => {
        const alert = await store.getAlert(id, tx);
        if (!alert) throw notFound('Alert');
        if (alert.resolvedAt) return { alert, resolved: false };
        return { alert: (await store.resolveAlert(id, v.personId, clock.now(), tx)) ?? alert, resolved: true };
      });
      if (outcome.resolved) bus.publish(alertTopic, outcome.alert);
      return outcome.alert;
    },

    subscribeAlerts(viewer: Viewer | null) {
      authorize(viewer, 'Subscription.staffAlertUpdated');
      return bus.subscribe<StaffAlertRow>(alertTopic);
    },

    dispose() {
      for (const t of doorTimers.values()) clearTimeout(t);
      doorTimers.clear();
    },
  };
}
export type AuditService = ReturnType<typeof createAuditService>;
