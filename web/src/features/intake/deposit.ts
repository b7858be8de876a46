/**
 * What the person at the locker should see while a reserved compartment waits
 * for its parcel: the door is opening, open, closed; then the parcel is either
 * in (READY_FOR_PICKUP) or the deposit failed (AT_DESK).
 */
import type { DoorState, ParcelStatus } from '@/gql/graphql';

export type DepositPhase = 'opening' | 'open' | 'closed' | 'deposited' | 'failed';

export interface DepositObservation {
  status: ParcelStatus | null | undefined;
  door: DoorState | null | undefined;
  /** Whether the door has been seen open since the reservation. */
  sawOpen: boolean;
}

export function depositPhase({ status, door, sawOpen }: DepositObservation): DepositPhase {
  if (status === 'READY_FOR_PICKUP' || status === 'PICKED_UP') return 'deposited';
  if (status === 'AT_DESK') return 'failed';
  if (door === 'OPEN') return 'open';
  if (sawOpen) return 'closed';
  return 'opening';
}

export const DEPOSIT_TEXT: Record<DepositPhase, string> = {
  opening: 'Door opening…',
  open: 'Door open — put the parcel in and close the door.',
  closed: 'Door closed — checking the parcel is inside…',
  deposited: 'Deposited ✓',
  failed: 'Deposit failed — keep the parcel at the desk.',
};

/** Sizes in the order of the keys 1–4. */
export const SIZES = ['S', 'M', 'L', 'XL'] as const;

/** Key "1"–"4" to a size, else null. */
export function sizeForKey(key: string): (typeof SIZES)[number] | null {
  const index = ['1', '2', '3', '4'].indexOf(key);
  return index >= 0 ? (SIZES[index] ?? null) : null;
}

/** Tracking numbers as scanned or typed: trimmed, inner whitespace collapsed. */
export function normaliseTracking(raw: string): string {
  return raw.trim().replace(/\s+/g, ' ');
}

/** Start of the local day, for "today's intakes". */
export function startOfDay(now: number): number {
  const d = new Date(now);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}
