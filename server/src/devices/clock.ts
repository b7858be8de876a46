/**
 * A bank controller's clock as the journal needs it: the last measured offset
 * (controller clock minus server clock, PROTOCOL.md 4), or null when it was
 * never measured (version 1 controllers, or no time sent).
 *
 * The connection side owns `bank_controllers` (it measures the offset from
 * connection_init and health reports); this minimal read stands in for its
 * store until that lands, behind the one function the journal takes.
 */
import { eq } from 'drizzle-orm';
import { tables, type Db } from '../db/index.js';

export type BankClockOf = (bankId: string) => { offsetMs: number } | null;

export function createBankClockReader(db: Db): BankClockOf {
  const { bankControllers } = tables;
  return (bankId) => {
    const row = db.orm
      .select({ offsetMs: bankControllers.clockOffsetMs })
      .from(bankControllers)
      .where(eq(bankControllers.bankId, bankId))
      .get();
    return row?.offsetMs === null || row?.offsetMs === undefined ? null : { offsetMs: row.offsetMs };
  };
}
