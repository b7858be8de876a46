/** The only place with queries over staff alerts and door-opening attribution. */
import { and, desc, eq, isNull, type SQL } from 'drizzle-orm';
import type { Queryable } from '../db/index.js';
import { tables } from '../db/index.js';
import type { DoorOpeningView, ReportedOpeningRow, StaffAlertRow } from './types.js';

const { staffAlerts, reportedOpenings, lockerCommands } = tables;

export function createAuditStore(db: Queryable) {
  return {
    insertAlert: (row: typeof staffAlerts.$inferInsert): StaffAlertRow =>
      db.insert(staffAlerts).values(row).returning().get(),
    getAlert: (id: string) => db.select().from(staffAlerts).where(eq(staffAlerts.id, id)).get(),
    /** An unresolved alert of this kind for this compartment, to avoid repeating one. */
    openAlertFor: (kind: StaffAlertRow['kind'], bankId: string, label: string | null) =>
      db
        .select()
        .from(staffAlerts)
        .where(
          and(
            eq(staffAlerts.kind, kind),
            eq(staffAlerts.bankId, bankId),
            label ? eq(staffAlerts.compartmentLabel, label) : isNull(staffAlerts.compartmentLabel),
            isNull(staffAlerts.resolvedAt),
          ),
        )
        .get(),
    /** Every unresolved alert of this kind for a bank. */
    openAlertsOf: (kind: StaffAlertRow['kind'], bankId: string): StaffAlertRow[] =>
      db
        .select()
        .from(staffAlerts)
        .where(and(eq(staffAlerts.kind, kind), eq(staffAlerts.bankId, bankId), isNull(staffAlerts.resolvedAt)))
        .all(),
    resolveAlert: (id: string, by: string | null, at: Date) =>
      db.update(staffAlerts).set({ resolvedAt: at, resolvedBy: by }).where(eq(staffAlerts.id, id)).returning().get(),
    listAlerts: (includeResolved: boolean, limit: number): StaffAlertRow[] =>
      db
        .select()
        .from(staffAlerts)
        .where(includeResolved ? undefined : isNull(staffAlerts.resolvedAt))
        .orderBy(desc(staffAlerts.createdAt))
        .limit(limit)
        .all(),
    insertReportedOpening: (row: ReportedOpeningRow) => db.insert(reportedOpenings).values(row).run(),

    /** Door openings from commands and from controller reports, newest first. */
    doorOpenings(filter: { bankId?: string | null; parcelId?: string | null }, limit: number): DoorOpeningView[] {
      const cmdWhere: SQL[] = [eq(lockerCommands.kind, 'OPEN_COMPARTMENT')];
      const repWhere: SQL[] = [];
      if (filter.bankId) {
        cmdWhere.push(eq(lockerCommands.bankId, filter.bankId));
        repWhere.push(eq(reportedOpenings.bankId, filter.bankId));
      }
      if (filter.parcelId) {
        cmdWhere.push(eq(lockerCommands.parcelId, filter.parcelId));
        repWhere.push(eq(reportedOpenings.parcelId, filter.parcelId));
      }
      const commands = db
        .select()
        .from(lockerCommands)
        .where(and(...cmdWhere))
        .orderBy(desc(lockerCommands.issuedAt))
        .limit(limit)
        .all()
        .map((c): DoorOpeningView => ({
          id: c.id,
          bankId: c.bankId,
          compartmentLabel: c.label,
          via: c.via,
          personId: c.requestedBy,
          parcelId: c.parcelId,
          reason: c.reason,
          at: c.issuedAt,
          status: c.status,
        }));
      const reported = db
        .select()
        .from(reportedOpenings)
        .where(repWhere.length ? and(...repWhere) : undefined)
        .orderBy(desc(reportedOpenings.at))
        .limit(limit)
        .all()
        .map((r): DoorOpeningView => ({
          id: r.id,
          bankId: r.bankId,
          compartmentLabel: r.label,
          via: r.via,
          personId: null,
          parcelId: r.parcelId,
          reason: r.detail,
          at: r.at,
          status: null,
        }));
      return [...commands, ...reported].sort((a, b) => b.at.getTime() - a.at.getTime()).slice(0, limit);
    },
  };
}
export type AuditStore = ReturnType<typeof createAuditStore>;
