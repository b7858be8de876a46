/**
 * What the door really did after the kiosk accepted a pickup code or QR.
 * Pure, so the rules are unit-tested without a browser or a server.
 *
 * The kiosk learns about the door only from the compartment's live state
 * (`compartmentUpdated` and re-queries), each with a version that grows with
 * every change and the server time of that change (`updatedAt`). The old
 * screen looked at the door as it was *now*: a door seen OPEN at any moment
 * after the answer counted as "opened for this pickup", and any door that was
 * not open after that read "Thank you — door … is closed". So a door that was
 * already open (or an OPEN update from before the command that arrived late)
 * followed by a close thanked the person within a second although the door
 * never opened for them, and a door that opened and shut with the parcel still
 * inside said the same while the parcel stayed ready for pickup.
 *
 * Here only evidence from after the command counts: a version newer than the
 * one the kiosk held when it sent the code, changed at or after the command's
 * `issuedAt` (both server times, so the kiosk's own clock does not matter).
 * The end follows the server's own rule (parcels/service.ts, the door-closed
 * hook): closed after opening with the compartment sensed OCCUPIED means the
 * parcel is still inside and still waiting; otherwise it was collected.
 * Without any such evidence by the time the command expires, the door did
 * not open (the controller refused, the lock jammed, or the command never
 * reached it).
 */
import type { CompartmentState, DoorState, Occupancy } from '@/gql/graphql';

/** One version of a compartment as the kiosk received it. */
export interface DoorSnapshot {
  version: number;
  door: DoorState;
  state: CompartmentState;
  occupancy: Occupancy;
  /** Server time of this version (ISO). */
  updatedAt: string;
}

/** A pickup the kiosk is following. */
export interface PickupWatch {
  label: string;
  /** The newest version the kiosk held for that compartment when it sent the code; null if it had none. */
  before: DoorSnapshot | null;
  /** Server time the door command was issued (LockerCommand.issuedAt). */
  issuedAt: string;
  /** Kiosk clock (ms) when the answer arrived. */
  answeredAt: number;
  /** Kiosk clock (ms) after which a door that has not opened will not open: the command's lifetime plus a margin. */
  giveUpAt: number;
}

export type PickupStep =
  /** The command is on its way; the door has not been seen open yet. `slow`: longer than a door normally takes. */
  | { step: 'waiting'; slow: boolean }
  | { step: 'open' }
  /** Closed after opening, the compartment no longer holds the parcel: picked up. */
  | { step: 'collected' }
  /** Closed after opening with the parcel still inside: it is still ready for pickup. */
  | { step: 'left-inside' }
  /** The door did not open: the command ran out (`expired`) or the compartment reported a fault (`fault`). */
  | { step: 'not-opened'; reason: 'expired' | 'fault' };

export type PickupStepName = PickupStep['step'];

/** After this long without the door opening, the kiosk says it is taking longer than usual. */
export const PICKUP_SLOW_MS = 8_000;

/** Added to the command's lifetime before giving up: the controller's answer and the door event travel too. */
export const PICKUP_GIVE_UP_MARGIN_MS = 3_000;

/** How long "Thank you — … collected" stays before the kiosk is back to the bare keypad. */
export const COLLECTED_RESULT_MS = 4_000;

/** The watch for an accepted pickup, from the command in the answer. */
export function watchPickup(
  label: string,
  before: DoorSnapshot | null,
  command: { issuedAt: string; expiresAt: string },
  answeredAt: number,
): PickupWatch {
  const lifetime = Date.parse(command.expiresAt) - Date.parse(command.issuedAt);
  // A command with unreadable times still gets the usual 30 s rather than none.
  const lifetimeMs = Number.isFinite(lifetime) && lifetime > 0 ? lifetime : 30_000;
  return {
    label,
    before,
    issuedAt: command.issuedAt,
    answeredAt,
    giveUpAt: answeredAt + lifetimeMs + PICKUP_GIVE_UP_MARGIN_MS,
  };
}

/** Whether a snapshot is news about the door since the command was issued. */
export function isAfterCommand(watch: PickupWatch, s: DoorSnapshot): boolean {
  if (watch.before && s.version <= watch.before.version) return false;
  const at = Date.parse(s.updatedAt);
  const issued = Date.parse(watch.issuedAt);
  return !Number.isFinite(at) || !Number.isFinite(issued) || at >= issued;
}

/** Closed after opening: the server's rule for whether the parcel went. */
function closedStep(s: DoorSnapshot): PickupStep {
  return s.occupancy === 'OCCUPIED' ? { step: 'left-inside' } : { step: 'collected' };
}

/**
 * The step now, from every snapshot of the compartment the kiosk has seen (any
 * order, duplicates and older versions allowed) and the kiosk's clock.
 */
export function pickupProgress(watch: PickupWatch, snapshots: readonly DoorSnapshot[], now: number): PickupStep {
  const news = snapshots.filter((s) => isAfterCommand(watch, s)).sort((a, b) => a.version - b.version);
  // A door already open when the code was sent is open for this person too: nothing else will open it.
  let opened = watch.before?.door === 'OPEN';
  for (const s of news) {
    if (s.door === 'OPEN') {
      opened = true;
      continue;
    }
    if (opened) return closedStep(s);
    // Closed, never seen open. The server publishes a bank's report as one
    // update per compartment, so a door that opened and shut between two
    // reports shows only closed: the parcel leaving (EMPTY after OCCUPIED, or
    // the compartment freed) says it did open. Anything else is an unrelated
    // change (a charger, a late sensor reading): keep waiting.
    const before = watch.before;
    if (
      before &&
      ((before.occupancy === 'OCCUPIED' && s.occupancy === 'EMPTY') ||
        (before.state !== 'AVAILABLE' && before.state !== 'FAULT' && s.state === 'AVAILABLE'))
    ) {
      return { step: 'collected' };
    }
    if (s.state === 'FAULT' && before?.state !== 'FAULT') return { step: 'not-opened', reason: 'fault' };
  }
  if (opened) return { step: 'open' };
  if (now >= watch.giveUpAt) return { step: 'not-opened', reason: 'expired' };
  return { step: 'waiting', slow: now - watch.answeredAt >= PICKUP_SLOW_MS };
}

/** Whether the step can still change on its own (the kiosk keeps following the door). */
export function isUnderway(step: PickupStep): boolean {
  return step.step === 'waiting' || step.step === 'open';
}

/**
 * Keeps the recent versions of each compartment, newest last, without
 * duplicates. Bounded per label: a pickup needs only the few since its command.
 */
export class DoorHistory {
  readonly #byLabel = new Map<string, DoorSnapshot[]>();
  constructor(private readonly perLabel = 16) {}

  /** Records a version; false when it was known already. */
  record(label: string, s: DoorSnapshot): boolean {
    const list = this.#byLabel.get(label) ?? [];
    if (list.some((x) => x.version === s.version)) return false;
    list.push({ version: s.version, door: s.door, state: s.state, occupancy: s.occupancy, updatedAt: s.updatedAt });
    list.sort((a, b) => a.version - b.version);
    if (list.length > this.perLabel) list.splice(0, list.length - this.perLabel);
    this.#byLabel.set(label, list);
    return true;
  }

  of(label: string): readonly DoorSnapshot[] {
    return this.#byLabel.get(label) ?? [];
  }

  newest(label: string): DoorSnapshot | null {
    return this.#byLabel.get(label)?.at(-1) ?? null;
  }
}
