/**
 * Staff alerts (door left open, lockouts, tamper, "door did not open") and
 * the question "who opened this door, how, when".
 */
import type { Bus } from '../bus/index.js';
import type { Db, Queryable } from '../db/index.js';
import type { LockerEventRow } from '../lockers/types.js';
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
]);

export interface AuditServiceDeps {
  db: Db;
  bus: Bus;
  clock: Clock;
  logger: Logger;
  /** A door open longer than this raises DOOR_LEFT_OPEN. */
  doorLeftOpenMs: number;
}

export function createAuditService({ db, bus, clock, logger, doorLeftOpenMs }: AuditServiceDeps) {
  const store = createAuditStore(db.orm);
  const doorTimers = new Map<string, NodeJS.Timeout>();

  function raise(input: {
    kind: AlertKind;
    bankId: string | null;
    compartmentLabel?: string | null;
    parcelId?: string | null;
    message: string;
  }): StaffAlertRow {
    // Conditions (a door still open, tamper, a door reported stuck) are raised
    // once until resolved; occurrences (a lockout) are each an alert of their
    // own. A stuck door reported again (or 200 times in one aliased request)
    // is the same open alert, so staff are paged once per door.
    if (input.bankId && DEDUPED_UNTIL_RESOLVED.has(input.kind)) {
      const existing = store.openAlertFor(input.kind, input.bankId, input.compartmentLabel ?? null);
      if (existing) return existing;
    }
    const alert = store.insertAlert({
      id: newId('alr'),
      kind: input.kind,
      bankId: input.bankId,
      compartmentLabel: input.compartmentLabel ?? null,
      parcelId: input.parcelId ?? null,
      message: input.message,
      createdAt: clock.now(),
    });
    logger.warn({ alert: alert.kind, bankId: alert.bankId, label: alert.compartmentLabel }, alert.message);
    bus.publish(alertTopic, alert);
    return alert;
  }

  return {
    store,
    raise,

    /** Inside the caller's transaction: a door the controller opened by itself (offline QR). */
    recordReportedOpening(tx: Queryable, row: ReportedOpeningRow) {
      createAuditStore(tx).insertReportedOpening(row);
    },

    /** Watches door events: an open door starts a timer; closing it cancels the timer and clears the alert. */
    onControllerEvents(bankId: string, bankName: string, events: LockerEventRow[]) {
      for (const e of events) {
        if (!e.label || !e.compartmentId) continue;
        const key = `${bankId}:${e.label}`;
        if (e.kind === 'DOOR_OPENED') {
          clearTimeout(doorTimers.get(key));
          const label = e.label;
          const t = setTimeout(() => {
            doorTimers.delete(key);
            raise({
              kind: 'DOOR_LEFT_OPEN',
              bankId,
              compartmentLabel: label,
              message: `${bankName} ${label}: door open for more than ${Math.round(doorLeftOpenMs / 1000)} s.`,
            });
          }, doorLeftOpenMs);
          t.unref();
          doorTimers.set(key, t);
        } else if (e.kind === 'DOOR_CLOSED') {
          clearTimeout(doorTimers.get(key));
          doorTimers.delete(key);
          const open = store.openAlertFor('DOOR_LEFT_OPEN', bankId, e.label);
          if (open) {
            const resolved = store.resolveAlert(open.id, null, clock.now());
            if (resolved) bus.publish(alertTopic, resolved);
          }
        } else if (e.kind === 'TAMPER') {
          raise({
            kind: 'TAMPER',
            bankId,
            compartmentLabel: e.label,
            message: `${bankName} ${e.label}: tamper reported${e.detail ? ` (${e.detail})` : ''}.`,
          });
        }
      }
    },

    /** Operators only (scope all): an alert's message names its bank, so no narrower scope is offered. */
    listAlerts(viewer: Viewer | null, includeResolved: boolean, limit: number) {
      authorize(viewer, 'Query.staffAlerts');
      return store.listAlerts(includeResolved, Math.min(Math.max(limit, 1), 500));
    },

    resolveAlert(viewer: Viewer | null, id: string) {
      const v = authorize(viewer, 'Mutation.resolveStaffAlert');
      const alert = store.getAlert(id);
      if (!alert) throw notFound('Alert');
      if (alert.resolvedAt) return alert;
      const resolved = store.resolveAlert(id, v.personId, clock.now()) ?? alert;
      bus.publish(alertTopic, resolved);
      return resolved;
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
