/**
 * How a controller's report changes a compartment. Pure: the store applies the
 * patch inside its transaction; unit tests read the rules here.
 *
 * Door, occupancy and charging mirror the sensors. The business state follows
 * only where no booking owns the compartment: a door sensed OCCUPIED while
 * AVAILABLE becomes IN_USE, EMPTY while IN_USE becomes AVAILABLE. RESERVED and
 * OUT_OF_SERVICE are decided by people and bookings, never by a sensor.
 */
import type { CompartmentRow, LockerEventKind } from './types.js';

export type CompartmentPatch = Partial<Pick<CompartmentRow, 'door' | 'occupancy' | 'charging' | 'state'>>;

type Sensed = Pick<CompartmentRow, 'door' | 'occupancy' | 'charging' | 'state'>;

export function patchForEvent(c: Sensed, kind: LockerEventKind): CompartmentPatch {
  switch (kind) {
    case 'DOOR_OPENED':
      return { door: 'OPEN' };
    case 'DOOR_CLOSED':
      return { door: 'CLOSED' };
    case 'OCCUPIED':
      return { occupancy: 'OCCUPIED', ...(c.state === 'AVAILABLE' ? { state: 'IN_USE' as const } : {}) };
    case 'EMPTY':
      return {
        occupancy: 'EMPTY',
        charging: 'IDLE',
        ...(c.state === 'IN_USE' ? { state: 'AVAILABLE' as const } : {}),
      };
    case 'CHARGING':
      return { charging: 'CHARGING' };
    case 'CHARGED':
      return { charging: 'CHARGED' };
    case 'FAULT':
      return c.state === 'OUT_OF_SERVICE' ? {} : { state: 'FAULT' };
    case 'FAULT_CLEARED':
      return c.state === 'FAULT' ? { state: c.occupancy === 'OCCUPIED' ? 'IN_USE' : 'AVAILABLE' } : {};
    default:
      // TAMPER, PICKUP_QR_OFFLINE and bank-level or server kinds change no compartment.
      return {};
  }
}

/** Only the fields that really change, so an event that changes nothing does not bump the version. */
export function effectivePatch(c: Sensed, patch: CompartmentPatch): CompartmentPatch | null {
  const out: CompartmentPatch = {};
  let changed = false;
  for (const key of Object.keys(patch) as (keyof CompartmentPatch)[]) {
    if (patch[key] !== undefined && patch[key] !== c[key]) {
      (out as Record<string, unknown>)[key] = patch[key];
      changed = true;
    }
  }
  return changed ? out : null;
}
