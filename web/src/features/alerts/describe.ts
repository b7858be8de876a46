/** What each staff alert means and what to do about it. */
import type { StaffAlertKind } from '@/gql/graphql';

export const ALERT_LABEL: Record<StaffAlertKind, string> = {
  DOOR_LEFT_OPEN: 'Door left open',
  LOCKOUT: 'Locked out after wrong codes',
  TAMPER: 'Tamper',
  DOOR_DID_NOT_OPEN: 'Door did not open',
  QR_REUSED: 'QR code reused',
  DEPOSIT_FAILED: 'Deposit failed',
  COMMAND_FAILED: 'Door did not unlock',
  EVENTS_LOST: 'Locker events lost',
  EVENT_REJECTED: 'Locker sent events it could not use',
  CLOCK_OFF: 'Locker clock is wrong',
  BANK_CONDITION: 'Locker bank condition',
  DEVICE_RETURNED: 'Device returned',
  DEVICE_QUARANTINED: 'Device quarantined',
};

export const ALERT_EXPLANATION: Record<StaffAlertKind, string> = {
  DOOR_LEFT_OPEN: 'A door has stayed open too long. Go and close it, and check whether the contents are still there.',
  LOCKOUT:
    'Too many wrong pickup codes at a kiosk, a locker or for one parcel: it is blocked for a while. Someone may be guessing codes, or a recipient needs help.',
  TAMPER: 'The locker reported tampering. Check the bank in person.',
  DOOR_DID_NOT_OPEN:
    'A recipient (or the kiosk) reports that a door did not open. Open it with an override from the board, or hand the parcel over at the desk.',
  QR_REUSED:
    'A locker opened for a QR code that was already used or revoked, while it was offline. Check the compartment and the parcel.',
  DEPOSIT_FAILED: 'A deposit did not complete: the parcel was not put in. It is at the desk.',
  COMMAND_FAILED:
    'The locker answered that a door it was told to open did not unlock. Try again once; if it fails again, check the lock and take the compartment out of service.',
  EVENTS_LOST:
    "The locker controller lost part of its event log (for example after its storage was replaced). What happened in that range is unknown: check the compartments named in the bank's log.",
  EVENT_REJECTED:
    "The locker reported events this server could not use (an unknown kind from newer firmware, an unknown door or a bad time). They are kept in the bank's event log; tell the locker maker or update the server.",
  CLOCK_OFF:
    "The locker controller's clock is wrong. Event times are corrected by the measured offset; fix its time source (NTP) so offline QR checks stay right.",
  BANK_CONDITION:
    'The locker bank reported trouble: power lost, running on battery, cabinet opened or too hot. Check it in person.',
  DEVICE_RETURNED:
    'A person dropped a device off for IT. Collect it from the compartment (Devices, returns to collect), inspect it and check it in.',
  DEVICE_QUARANTINED:
    'A device came back with a critical fault. Its compartment is out of service until IT takes it out; check it in to repair.',
};

/** Kinds about a bank's controller or its log: the bank's page (controller, event log) tells more. */
export const BANK_PAGE_KINDS: ReadonlySet<StaffAlertKind> = new Set([
  'COMMAND_FAILED',
  'EVENTS_LOST',
  'EVENT_REJECTED',
  'CLOCK_OFF',
  'BANK_CONDITION',
  'TAMPER',
]);

/** The alert's kind in words; a kind newer than this page is shown as the server named it. */
export function alertLabel(kind: string): string {
  return (ALERT_LABEL as Record<string, string>)[kind] ?? kind.replace(/_/g, ' ').toLowerCase();
}

export function alertExplanation(kind: string): string | null {
  return (ALERT_EXPLANATION as Record<string, string>)[kind] ?? null;
}

/** Kinds that need someone now: a banner on every staff page. */
export const URGENT_KINDS: ReadonlySet<StaffAlertKind> = new Set(['DOOR_LEFT_OPEN', 'LOCKOUT']);

interface AlertLike {
  id: string;
  createdAt: string;
  resolvedAt?: string | null;
}

/** Open alerts first (newest first), then resolved ones (most recently resolved first). */
export function sortAlerts<T extends AlertLike>(alerts: readonly T[]): { open: T[]; resolved: T[] } {
  const open = alerts.filter((a) => !a.resolvedAt).sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
  const resolved = alerts
    .filter((a) => a.resolvedAt)
    .sort((a, b) => Date.parse(b.resolvedAt ?? '') - Date.parse(a.resolvedAt ?? ''));
  return { open, resolved };
}
