/** What each staff alert means and what to do about it. */
import type { StaffAlertKind } from '@/gql/graphql';

export const ALERT_LABEL: Record<StaffAlertKind, string> = {
  DOOR_LEFT_OPEN: 'Door left open',
  LOCKOUT: 'Locked out after wrong codes',
  TAMPER: 'Tamper',
  DOOR_DID_NOT_OPEN: 'Door did not open',
  QR_REUSED: 'QR code reused',
  DEPOSIT_FAILED: 'Deposit failed',
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
};

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
