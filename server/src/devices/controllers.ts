/**
 * The only place with queries over `bank_controllers`: what each bank's
 * controller said about itself when it connected, its clock offset and its
 * last health report (PROTOCOL.md 1, 2, 4).
 */
import { eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/index.js';
import type { bankControllers as bankControllersTable } from '../../../drizzle/schema/index.js';

export type ControllerRow = typeof bankControllersTable.$inferSelect;

/** A health report as stored (the checked input of reportControllerHealth). */
export interface StoredHealth {
  /** The controller's `at`, as it sent it. */
  at: string;
  uptimeSeconds: number | null;
  outboxDepth: number | null;
  signalDbm: number | null;
  firmware: string | null;
  power: 'MAINS' | 'BATTERY' | null;
  batteryPercent: number | null;
  temperatureC: number | null;
}

export interface ConnectedController {
  protocolVersion: number;
  model: string | null;
  serial: string | null;
  firmware: string | null;
  capabilities: string[];
  connectedAt: Date;
  /** Null when the controller sent no time: the offset is then unknown. */
  clockOffsetMs: number | null;
}

/** Every method is asynchronous; each write is one transaction. */
export function createControllerStore(db: Db) {
  const { bankControllers } = db.tables;
  const get = async (bankId: string): Promise<ControllerRow | undefined> =>
    (await db.read.select().from(bankControllers).where(eq(bankControllers.bankId, bankId)).limit(1))[0];

  return {
    get,
    byBankIds: async (bankIds: readonly string[]): Promise<ControllerRow[]> =>
      bankIds.length
        ? db.read
            .select()
            .from(bankControllers)
            .where(inArray(bankControllers.bankId, [...bankIds]))
        : [],

    /** What the controller of this connection said; replaces what an earlier one said. */
    async recordConnected(bankId: string, c: ConnectedController): Promise<void> {
      const values = {
        protocolVersion: c.protocolVersion,
        model: c.model,
        serial: c.serial,
        firmware: c.firmware,
        capabilities: JSON.stringify(c.capabilities),
        connectedAt: c.connectedAt,
        disconnectedAt: null,
        clockOffsetMs: c.clockOffsetMs,
        clockMeasuredAt: c.clockOffsetMs === null ? null : c.connectedAt,
        updatedAt: c.connectedAt,
      };
      await db.transaction(async (tx) => {
        await tx
          .insert(bankControllers)
          .values({ bankId, ...values })
          .onConflictDoUpdate({ target: bankControllers.bankId, set: values });
      });
    },

    async recordDisconnected(bankId: string, at: Date): Promise<void> {
      await db.transaction(async (tx) => {
        await tx
          .update(bankControllers)
          .set({ disconnectedAt: at, updatedAt: at })
          .where(eq(bankControllers.bankId, bankId));
      });
    },

    /** Stores a health report and the clock offset measured from it. */
    async recordHealth(bankId: string, health: StoredHealth, receivedAt: Date, clockOffsetMs: number): Promise<void> {
      const values = {
        health: JSON.stringify(health),
        healthAt: receivedAt,
        clockOffsetMs,
        clockMeasuredAt: receivedAt,
        updatedAt: receivedAt,
      };
      await db.transaction(async (tx) => {
        await tx
          .insert(bankControllers)
          .values({ bankId, ...values })
          .onConflictDoUpdate({ target: bankControllers.bankId, set: values });
      });
    },

    /** The bank's controller clock offset, or null when it was never measured. */
    async clockOf(bankId: string): Promise<{ offsetMs: number } | null> {
      const row = (
        await db.read
          .select({ offsetMs: bankControllers.clockOffsetMs })
          .from(bankControllers)
          .where(eq(bankControllers.bankId, bankId))
          .limit(1)
      )[0];
      return row && row.offsetMs !== null ? { offsetMs: row.offsetMs } : null;
    },
  };
}
export type ControllerStore = ReturnType<typeof createControllerStore>;

/** The capabilities column as a list; anything but a list of strings reads as none. */
export function capabilitiesOf(row: ControllerRow): string[] {
  try {
    const parsed: unknown = JSON.parse(row.capabilities);
    return Array.isArray(parsed) ? parsed.filter((c): c is string => typeof c === 'string') : [];
  } catch {
    return [];
  }
}

/** The health column, or null when none was stored (or it cannot be read). */
export function healthOf(row: ControllerRow): StoredHealth | null {
  if (!row.health) return null;
  try {
    return JSON.parse(row.health) as StoredHealth;
  } catch {
    return null;
  }
}
