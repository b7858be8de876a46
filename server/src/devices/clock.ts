/**
 * A controller's clock as last measured (PROTOCOL.md 4), for the journal: it
 * corrects event times by the offset when it is beyond the tolerance. The
 * offset is measured from connection_init's `controller.time` and from each
 * health report, and kept in `bank_controllers` (controllers.ts).
 */
import type { Db } from '../db/index.js';
import { createControllerStore } from './controllers.js';

/** Controller clock minus server clock for a bank, or null when never measured (version 1 controllers). */
export type BankClockOf = (bankId: string) => { offsetMs: number } | null;

export function createClockLookup(db: Db): BankClockOf {
  const store = createControllerStore(db);
  return (bankId) => store.clockOf(bankId);
}
