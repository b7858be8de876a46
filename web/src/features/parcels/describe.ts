/**
 * Words for parcels: statuses, desk reasons, refusals and the pickup code.
 * Every state is spelled out; colour and icons only repeat it.
 */
import type { DeskReason, ParcelActionRefusal, ParcelStatus, PickupMethod } from '@/gql/graphql';

export const STATUS_LABEL: Record<ParcelStatus, string> = {
  AWAITING_DEPOSIT: 'Being put in a locker',
  READY_FOR_PICKUP: 'Ready for pickup',
  AT_DESK: 'At the mailroom desk',
  PICKED_UP: 'Picked up',
  RECALL_PENDING: 'Going back to the desk',
};

/** Why a parcel is at the desk, said to the recipient. */
export const DESK_REASON_TEXT: Record<DeskReason, string> = {
  LOCKERS_FULL: 'Every fitting locker was full when it arrived, so the mailroom kept it at the desk.',
  TOO_BIG: 'It is larger than any locker compartment, so it waits at the desk.',
  RECALLED: 'It was not collected in time, so the mailroom took it back from the locker.',
  DEPOSIT_FAILED: 'The locker did not take it (the door did not open or closed without it), so it stayed at the desk.',
};

/** Short label for staff lists. */
export const DESK_REASON_LABEL: Record<DeskReason, string> = {
  LOCKERS_FULL: 'Lockers full',
  TOO_BIG: 'Too big',
  RECALLED: 'Recalled',
  DEPOSIT_FAILED: 'Deposit failed',
};

/** A status for staff lists, with the desk reason when it is at the desk: "At the mailroom desk (Lockers full)". */
export function staffStatusText(p: { status: ParcelStatus; deskReason?: DeskReason | null }): string {
  return p.status === 'AT_DESK' && p.deskReason
    ? `${STATUS_LABEL[p.status]} (${DESK_REASON_LABEL[p.deskReason]})`
    : STATUS_LABEL[p.status];
}

/** Where a parcel is, for staff lists: "Library B03", "Library", or "Desk". */
export function whereText(p: { bank?: { name: string } | null; compartment?: { label: string } | null }): string {
  if (!p.bank) return 'Desk';
  return p.compartment ? `${p.bank.name} ${p.compartment.label}` : p.bank.name;
}

export const PICKUP_METHOD_LABEL: Record<PickupMethod, string> = {
  CODE: 'with the code',
  QR: 'with the QR code',
  QR_OFFLINE: 'with the QR code (locker offline)',
  REMOTE: 'opened from the app',
  DESK: 'at the mailroom desk',
};

/** What to do next when an action on a parcel is refused. */
export const REFUSAL_TEXT: Record<ParcelActionRefusal, string> = {
  ALREADY_EXTENDED: 'This parcel was already extended once. Collect it before the new deadline, or ask the mailroom.',
  NOT_IN_LOCKER:
    'This parcel is no longer in a locker: it may have been collected or taken to the desk. The list below shows where it is now.',
  UNKNOWN_PERSON:
    'No Baylight account uses that e-mail address. Check the spelling; the person needs a university account to collect it.',
  NOT_ALLOWED: 'Only the recipient can do this for this parcel.',
  BANK_OFFLINE:
    'The locker is offline, so it cannot be opened from the app right now. At the locker, show the QR code: it works even while the locker is offline.',
};

/** 8 digits grouped 4 + 4 for reading aloud and typing: "1234 5678". Anything else is shown as is. */
export function formatPickupCode(code: string): string {
  const digits = code.replace(/\s+/g, '');
  return /^\d{8}$/.test(digits) ? `${digits.slice(0, 4)} ${digits.slice(4)}` : code;
}

/** The code spelled out digit by digit for screen readers: "1 2 3 4, 5 6 7 8". */
export function spokenPickupCode(code: string): string {
  const digits = code.replace(/\s+/g, '');
  if (!/^\d{8}$/.test(digits)) return code;
  return `${digits.slice(0, 4).split('').join(' ')}, ${digits.slice(4).split('').join(' ')}`;
}

/** "Tue 3 Dec, 17:00" — a deadline a person can plan around. */
export function formatDeadline(iso: string): string {
  return new Date(iso).toLocaleString(undefined, {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
  });
}

/** "in 2 days", "in 5 h", "in 20 min", "now" — how long is left. */
export function timeLeft(iso: string, now: number): string {
  const ms = Date.parse(iso) - now;
  if (!Number.isFinite(ms)) return '';
  if (ms <= 0) return 'time is up';
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return 'less than a minute left';
  if (minutes < 60) return `${minutes} min left`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h left`;
  return `${Math.floor(hours / 24)} days left`;
}

/** Whole seconds until `untilMs`, never negative. */
export function secondsUntil(untilMs: number, now: number): number {
  return Math.max(0, Math.ceil((untilMs - now) / 1000));
}

/**
 * Until when a door command sent from the app may still open the door: its
 * `ttlMs` counted from when the answer arrived here (the server counts it from
 * when the locker receives the command, so a phone with a wrong clock still
 * shows the right number of seconds). Null without a usable command.
 */
export function commandDeadline(command: { ttlMs: number } | null | undefined, receivedAt: number): number | null {
  if (!command || !Number.isFinite(command.ttlMs) || command.ttlMs <= 0) return null;
  return receivedAt + command.ttlMs;
}

export interface ParcelGroups<T> {
  /** In a locker, being deposited or about to be recalled. */
  inLockers: T[];
  /** Waiting at the mailroom desk. */
  atDesk: T[];
  /** Collected. */
  pickedUp: T[];
}

/** Groups a person's parcels for the page, newest first within each group. */
export function groupParcels<T extends { status: ParcelStatus; createdAt: string }>(
  parcels: readonly T[],
): ParcelGroups<T> {
  const byNewest = [...parcels].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
  return {
    inLockers: byNewest.filter(
      (p) => p.status === 'READY_FOR_PICKUP' || p.status === 'AWAITING_DEPOSIT' || p.status === 'RECALL_PENDING',
    ),
    atDesk: byNewest.filter((p) => p.status === 'AT_DESK'),
    pickedUp: byNewest.filter((p) => p.status === 'PICKED_UP'),
  };
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function looksLikeEmail(value: string): boolean {
  return EMAIL.test(value.trim());
}
