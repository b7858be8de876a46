/**
 * The handover lifecycle, shared by everything that passes through a
 * compartment: a parcel for a student, a laptop for a member of staff, a
 * device dropped off for IT (docs/parcels.md, "The handover core").
 *
 *   reserve a fitting compartment → open it for the DEPOSIT → the door
 *   closes with the item inside → the holder is told, with a credential →
 *   open it for the PICKUP (or staff open it for a RECALL) → the door closes
 *   empty → done.
 *
 * What an item is, who may collect it and what they are told belongs to its
 * domain (parcels today). What a door event means for the operation under
 * way belongs here: `doorOutcome` decides it for every domain the same way.
 */

import type { CompartmentRow } from '../lockers/types.js';

/** Compartment sizes, smallest first. */
export const SIZE_ORDER = ['S', 'M', 'L', 'XL'] as const satisfies readonly CompartmentRow['size'][];
export type Size = (typeof SIZE_ORDER)[number];

/** Sizes an item of `size` fits in, smallest first. */
export const fittingSizes = (size: Size): Size[] => SIZE_ORDER.slice(SIZE_ORDER.indexOf(size));

/** The door operation under way at a compartment: putting the item in, taking it out, or staff taking it back. */
export type HandoverOperation = 'DEPOSIT' | 'PICKUP' | 'RECALL';

export type Occupancy = CompartmentRow['occupancy'];

/**
 * What a door event means for the operation under way at its compartment.
 *
 * - `OPENED`: the door opened for the operation; record when.
 * - `DEPOSITED`: after a deposit opening, the door closed and the bank did not
 *   read the compartment empty (occupied, or a bank without that sensor).
 * - `DEPOSIT_EMPTY`: after a deposit opening, the door closed and the bank read
 *   it empty: nothing went in.
 * - `NOT_TAKEN`: after a pickup or recall opening, the door closed with the
 *   item still read inside; it can be collected again.
 * - `TAKEN`: after a pickup or recall opening, the door closed and the bank did
 *   not read the item inside (empty, or no sensor): it is out.
 * - `null`: nothing to do (no operation, or a close without an opening: a door
 *   already open when the operation began is not taken for its end).
 */
export type DoorOutcome =
  | { kind: 'OPENED' }
  | { kind: 'DEPOSITED' }
  | { kind: 'DEPOSIT_EMPTY' }
  | { kind: 'NOT_TAKEN'; operation: 'PICKUP' | 'RECALL' }
  | { kind: 'TAKEN'; operation: 'PICKUP' | 'RECALL' }
  | null;

export function doorOutcome(
  handover: { operation: HandoverOperation | null; doorOpenedAt: Date | null },
  event: 'DOOR_OPENED' | 'DOOR_CLOSED',
  occupancy: Occupancy,
): DoorOutcome {
  const { operation } = handover;
  if (!operation) return null;
  if (event === 'DOOR_OPENED') return { kind: 'OPENED' };
  if (!handover.doorOpenedAt) return null;
  if (operation === 'DEPOSIT') return occupancy === 'EMPTY' ? { kind: 'DEPOSIT_EMPTY' } : { kind: 'DEPOSITED' };
  return occupancy === 'OCCUPIED' ? { kind: 'NOT_TAKEN', operation } : { kind: 'TAKEN', operation };
}
