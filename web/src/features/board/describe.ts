/**
 * Words for every state a compartment or bank can be in. The board never
 * relies on colour alone: each state has a label (shown) and a phrase (read
 * out by screen readers).
 */
import type {
  ChargingState,
  CompartmentFieldsFragment,
  CompartmentSize,
  CompartmentState,
  ConnectionStatus,
  DoorState,
  Occupancy,
} from '@/gql/graphql';

export type Compartment = CompartmentFieldsFragment;

export const STATE_LABEL: Record<CompartmentState, string> = {
  AVAILABLE: 'Available',
  RESERVED: 'Reserved',
  IN_USE: 'In use',
  OUT_OF_SERVICE: 'Out of service',
  FAULT: 'Fault',
};

export const DOOR_LABEL: Record<DoorState, string> = { OPEN: 'Open', CLOSED: 'Closed' };

export const OCCUPANCY_LABEL: Record<Occupancy, string> = {
  EMPTY: 'Empty',
  OCCUPIED: 'Occupied',
  UNKNOWN: 'Not sensed',
};

export const CHARGING_LABEL: Record<ChargingState, string> = {
  IDLE: 'Charger',
  CHARGING: 'Charging',
  CHARGED: 'Charged',
};

export const SIZE_LABEL: Record<CompartmentSize, string> = { S: 'Small', M: 'Medium', L: 'Large', XL: 'Extra large' };

export const STATUS_LABEL: Record<ConnectionStatus, string> = { ONLINE: 'Online', OFFLINE: 'Offline' };

const OCCUPANCY_PHRASE: Record<Occupancy, string> = {
  EMPTY: 'empty',
  OCCUPIED: 'occupied',
  UNKNOWN: 'occupancy unknown',
};

/** e.g. "A07, size M, door open, occupied, in use, charging, accessible". */
export function compartmentAccessibleName(c: Compartment): string {
  const parts = [
    c.label,
    `size ${c.size}`,
    `door ${c.door.toLowerCase()}`,
    OCCUPANCY_PHRASE[c.occupancy],
    STATE_LABEL[c.state].toLowerCase(),
  ];
  if (c.charging !== 'IDLE') parts.push(CHARGING_LABEL[c.charging].toLowerCase());
  else if (c.hasCharging) parts.push('has charger');
  if (c.accessible) parts.push('accessible');
  return parts.join(', ');
}

export interface Counts {
  total: number;
  available: number;
  inUse: number;
  open: number;
  unavailable: number;
}

/**
 * Counts from the compartments on screen. Compartment events do not bump the
 * bank's version, so the bank's own `counts` may lag behind the tiles; counting
 * the tiles keeps the summary and the grid in agreement.
 */
export function countCompartments(compartments: readonly Compartment[]): Counts {
  const counts: Counts = { total: compartments.length, available: 0, inUse: 0, open: 0, unavailable: 0 };
  for (const c of compartments) {
    // Same buckets as the server's counts: a reservation counts as in use.
    if (c.state === 'AVAILABLE') counts.available += 1;
    else if (c.state === 'IN_USE' || c.state === 'RESERVED') counts.inUse += 1;
    else counts.unavailable += 1;
    if (c.door === 'OPEN') counts.open += 1;
  }
  return counts;
}

/** Natural order for labels: A2 before A10. */
const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

export function byLabel(a: Compartment, b: Compartment): number {
  return collator.compare(a.label, b.label);
}

/** "just now", "3 min ago", "2 h ago", else the date. */
export function relativeTime(iso: string | null, now: number): string {
  if (!iso) return 'never';
  const then = Date.parse(iso);
  if (!Number.isFinite(then)) return 'unknown';
  const seconds = Math.max(0, Math.round((now - then) / 1000));
  if (seconds < 45) return 'just now';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  return new Date(then).toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
}

/** Time of day, with the date when it is not today: "08:03:12" or "26 Nov, 17:40". */
export function formatAsOf(iso: string, now: number = Date.now()): string {
  const date = new Date(iso);
  const sameDay = new Date(now).toDateString() === date.toDateString();
  return sameDay
    ? date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' })
    : date.toLocaleString(undefined, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
}
