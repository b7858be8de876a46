/** The only place with queries over staff alerts and door-opening attribution. */
import { and, desc, eq, isNull, type SQL } from 'drizzle-orm';
import type { Db, Queryable } from '../db/index.js';
import type { DoorOpeningView, ReportedOpeningRow, StaffAlertRow } from './types.js';

/**
 * Reads go through `db.read` (the transaction itself inside one) or the `q`
 * given; writes take the caller's transaction, or run in one of their own.
 */
export function createAuditStore(db: Db) {
  const { staffAlerts, reportedOpenings, lockerCommands } = db.tables;
  const write = <T>(q: Queryable | undefined, fn: (tx: Queryable) => Promise<T>): Promise<T> =>
    q ? fn(q) : db.transaction(fn);
  return {
    insertAlert: (row: typeof staffAlerts.$inferInsert, q?: Queryable): Promise<StaffAlertRow> =>
      write(q, async (tx) => (await tx.insert(staffAlerts).values(row).returning())[0]!),
    getAlert: async (id: string, q?: Queryable): Promise<StaffAlertRow | undefined> =>
      (await (q ?? db.read).select().from(staffAlerts).where(eq(staffAlerts.id, id)).limit(1))[0],
    /** An unresolved alert of this kind for this compartment, to avoid repeating one. */
    openAlertFor: async (
      kind: StaffAlertRow['kind'],
      bankId: string,
      label: string | null,
      q?: Queryable,
    ): Promise<StaffAlertRow | undefined> =>
      (
        await (q ?? db.read)
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
          .limit(1)
      )[0],
    /** Every unresolved alert of this kind for a bank. */
    openAlertsOf: async (kind: StaffAlertRow['kind'], bankId: string, q?: Queryable): Promise<StaffAlertRow[]> =>
      await (q ?? db.read)
        .select()
        .from(staffAlerts)
        .where(and(eq(staffAlerts.kind, kind), eq(staffAlerts.bankId, bankId), isNull(staffAlerts.resolvedAt))),
    resolveAlert: (id: string, by: string | null, at: Date, q?: Queryable): Promise<StaffAlertRow | undefined> =>
      write(
        q,
        async (tx) =>
          (
            await tx
              .update(staffAlerts)
              .set({ resolvedAt: at, resolvedBy: by })
              .where(eq(staffAlerts.id, id))
              .returning()
          )[0],
      ),
    listAlerts: async (includeResolved: boolean, limit: number): Promise<StaffAlertRow[]> =>
      await db.read
        .select()
        .from(staffAlerts)
        .where(includeResolved ? undefined : isNull(staffAlerts.resolvedAt))
        .orderBy(desc(staffAlerts.createdAt))
        .limit(limit),
    insertReportedOpening: (row: ReportedOpeningRow, q?: Queryable): Promise<void> =>
      write(q, async (tx) => {
        await tx.insert(reportedOpenings).values(row);
      }),

    /** Door openings from commands and from controller reports, newest first. */
    async doorOpenings(
      filter: { bankId?: string | null; parcelId?: string | null },
      limit: number,
    ): Promise<DoorOpeningView[]> {
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
      const commands = (
        await db.read
          .select()
          .from(lockerCommands)
          .where(and(...cmdWhere))
          .orderBy(desc(lockerCommands.issuedAt))
          .limit(limit)
      ).map((c): DoorOpeningView => ({
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
      const reported = (
        await db.read
          .select()
          .from(reportedOpenings)
          .where(repWhere.length ? and(...repWhere) : undefined)
          .orderBy(desc(reportedOpenings.at))
          .limit(limit)
      ).map((r): DoorOpeningView => ({
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
