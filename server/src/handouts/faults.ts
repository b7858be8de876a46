/**
 * The faults a person picks from when handing a device back for a break/fix
 * swap, per asset category ("Screen cracked", "Won't charge"). A critical one
 * sends the device to quarantine (the swap flow reads `critical`).
 *
 * Everyone signed in reads the lists (a student picks one at the kiosk); IT
 * and admins change them. Labels are trimmed, at most 80 characters, and
 * unique per category in any case.
 */
import { authorize } from '../access/authorize.js';
import type { Db } from '../db/index.js';
import type { Viewer } from '../people/types.js';
import type { Clock } from '../shared/clock.js';
import { newId } from '../shared/ids.js';
import type { AssetFaultRow, CalendarStore } from './calendar-store.js';

export const FAULT_LIMITS = { label: 80, category: 40 } as const;

export type AssetFaultResult =
  | { __typename: 'AssetFaultSaved'; fault: AssetFaultRow }
  | {
      __typename: 'AssetFaultRefused';
      reason: 'INVALID' | 'DUPLICATE';
      field: string | null;
      message: string;
    };

/** A category as the register keeps it: trimmed, lower case. */
const categoryOf = (category: string) => category.trim().toLowerCase();

export function createFaultService(deps: { db: Db; store: CalendarStore; clock: Clock }) {
  const { db, store, clock } = deps;
  const refused = (reason: 'INVALID' | 'DUPLICATE', field: string, message: string): AssetFaultResult => ({
    __typename: 'AssetFaultRefused',
    reason,
    field,
    message,
  });

  return {
    /** For the handout flows: one fault by id (a return names the one picked). */
    get: (id: string) => store.fault(id),
    /** For the handout flows: a category's faults, by label. */
    forCategory: (category: string) => store.faults(categoryOf(category)),

    list(viewer: Viewer | null, category: string | null): Promise<AssetFaultRow[]> {
      authorize(viewer, 'Query.assetFaults');
      return store.faults(category?.trim() ? categoryOf(category) : null);
    },

    async add(
      viewer: Viewer | null,
      input: { category: string; label: string; critical: boolean },
    ): Promise<AssetFaultResult> {
      authorize(viewer, 'Mutation.addAssetFault');
      const category = categoryOf(input.category);
      const label = input.label.trim().replace(/\s+/g, ' ');
      if (!category) return refused('INVALID', 'category', 'category is empty.');
      if (category.length > FAULT_LIMITS.category)
        return refused('INVALID', 'category', `category is longer than ${FAULT_LIMITS.category} characters.`);
      if (!label) return refused('INVALID', 'label', 'label is empty.');
      if (label.length > FAULT_LIMITS.label)
        return refused('INVALID', 'label', `label is longer than ${FAULT_LIMITS.label} characters.`);
      return db.transaction(async (tx): Promise<AssetFaultResult> => {
        const duplicate = `${category} has the fault “${label}” already.`;
        if (await store.faultByLabel(tx, category, label)) return refused('DUPLICATE', 'label', duplicate);
        const row = { id: newId('flt'), category, label, critical: input.critical, createdAt: clock.now() };
        const fault = await store.insertFault(tx, row);
        return fault ? { __typename: 'AssetFaultSaved', fault } : refused('DUPLICATE', 'label', duplicate);
      });
    },

    /** False when there was none. Returns already recorded keep the id they named. */
    remove(viewer: Viewer | null, id: string): Promise<boolean> {
      authorize(viewer, 'Mutation.removeAssetFault');
      return db.transaction((tx) => store.deleteFault(tx, id));
    },
  };
}

export type FaultService = ReturnType<typeof createFaultService>;
