/**
 * Words for a bank's controller and its event log. Pure, so unit-tested; the
 * page never relies on colour alone: every problem is also said in words.
 */
import type {
  ControllerInfoFieldsFragment,
  EventFlag,
  EventRejection,
  FaultCode,
  LockerEventFieldsFragment,
  LockerEventKind,
  PowerSource,
} from '@/gql/graphql';

export type ControllerInfo = ControllerInfoFieldsFragment;
export type LockerEvent = LockerEventFieldsFragment;

/** "version 2", or "version 1 — deprecated" (a controller that stated no version: update its firmware). */
export function protocolText(version: number): string {
  return version <= 1 ? `version ${version} — deprecated` : `version ${version}`;
}

export function isDeprecatedProtocol(version: number): boolean {
  return version <= 1;
}

/** "2 h 0 min", "1 min 30 s", "45 s", "3 d 4 h": the two largest units that matter. */
export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.round(totalSeconds));
  const days = Math.floor(s / 86_400);
  const hours = Math.floor((s % 86_400) / 3_600);
  const minutes = Math.floor((s % 3_600) / 60);
  const seconds = s % 60;
  if (days > 0) return `${days} d ${hours} h`;
  if (hours > 0) return `${hours} h ${minutes} min`;
  if (minutes > 0) return `${minutes} min ${seconds} s`;
  return `${seconds} s`;
}

/** Below this the controller's clock is simply right. */
const IN_STEP_MS = 1_000;

/**
 * The controller's clock against the server's, e.g. "2 h 0 min fast —
 * corrected": its event times are moved by the measured offset, or used as
 * they are when the clock is trusted (within DEVICE_CLOCK_TOLERANCE_SECONDS).
 */
export function clockText(c: Pick<ControllerInfo, 'clockOffsetMs' | 'clockTrusted'>): string {
  if (c.clockOffsetMs === null) return 'not measured (the controller sent no time)';
  const trust = c.clockTrusted ? 'trusted' : 'corrected';
  if (Math.abs(c.clockOffsetMs) < IN_STEP_MS) return `in step with the server — ${trust}`;
  const direction = c.clockOffsetMs > 0 ? 'fast' : 'slow';
  return `${formatDuration(Math.abs(c.clockOffsetMs) / 1000)} ${direction} — ${trust}`;
}

export const POWER_LABEL: Record<PowerSource, string> = { MAINS: 'Mains', BATTERY: 'On battery' };

/** Capabilities in words; names this page does not know are shown as the controller sent them. */
const CAPABILITY_LABEL: Record<string, string> = {
  KEYPAD: 'Keypad',
  QR_READER: 'QR reader',
  OFFLINE_QR: 'Offline QR check',
  DOOR_SENSOR: 'Door sensors',
  OCCUPANCY_SENSOR: 'Occupancy sensors',
  CHARGING: 'Charging',
  HEALTH_REPORT: 'Health reports',
  BANK_EVENTS: 'Bank events (power, cabinet, temperature)',
};

export function capabilityText(name: string): string {
  return CAPABILITY_LABEL[name] ?? name;
}

// --- the event log ------------------------------------------------------------

export const EVENT_KIND_LABEL: Record<LockerEventKind, string> = {
  DOOR_OPENED: 'Door opened',
  DOOR_CLOSED: 'Door closed',
  OCCUPIED: 'Something inside',
  EMPTY: 'Empty',
  CHARGING: 'Charging',
  CHARGED: 'Charged',
  FAULT: 'Fault',
  FAULT_CLEARED: 'Fault cleared',
  TAMPER: 'Tamper',
  PICKUP_QR_OFFLINE: 'Opened offline for a QR',
  POWER_LOST: 'Power lost',
  POWER_RESTORED: 'Power restored',
  UPS_ON_BATTERY: 'Running on battery',
  UPS_BATTERY_LOW: 'Battery low',
  CABINET_TAMPER: 'Cabinet opened',
  TEMPERATURE_HIGH: 'Too hot',
  TEMPERATURE_NORMAL: 'Temperature normal',
  BANK_ONLINE: 'Controller connected',
  BANK_OFFLINE: 'Controller away (offline)',
  EVENTS_LOST: 'Events lost',
  UNRECOGNISED: 'Unrecognised',
};

export const REJECTION_LABEL: Record<EventRejection, string> = {
  UNKNOWN_COMPARTMENT: 'no compartment with that label in this bank',
  UNKNOWN_KIND: 'a kind this server does not know',
  INVALID_TIME: 'its time had no zone — stored with the time it arrived',
  INVALID_LABEL: 'label missing or too long',
  TOO_LARGE: 'the event was larger than the limit',
};

export const FLAG_LABEL: Record<EventFlag, string> = {
  CLOCK_CORRECTED: 'Clock corrected',
  CLOCK_OUT_OF_RANGE: 'Time out of range — stored with the time it arrived',
  TRUNCATED: 'Text cut to its limit',
};

export const FAULT_LABEL: Record<FaultCode, string> = {
  LOCK_JAMMED: 'Lock jammed',
  LOCK_NO_RESPONSE: 'Lock not responding',
  DOOR_SENSOR: 'Door sensor',
  OCCUPANCY_SENSOR: 'Occupancy sensor',
  CHARGER: 'Charger',
  DOOR_FORCED: 'Door forced',
  POWER: 'Power',
  COMMUNICATION: 'Communication',
  OTHER: 'Other',
};

export type EventProblem = 'rejected' | 'unrecognised' | 'lost' | 'flagged';

/** What is wrong with an entry, most serious first; null for an ordinary event. */
export function eventProblem(e: Pick<LockerEvent, 'kind' | 'rejection' | 'flags'>): EventProblem | null {
  if (e.kind === 'EVENTS_LOST') return 'lost';
  if (e.kind === 'UNRECOGNISED') return 'unrecognised';
  if (e.rejection) return 'rejected';
  if (e.flags.length > 0) return 'flagged';
  return null;
}

export const PROBLEM_LABEL: Record<EventProblem, string> = {
  rejected: 'Rejected',
  unrecognised: 'Unrecognised',
  lost: 'Lost',
  flagged: 'Flagged',
};

/** The kind in words: an unrecognised one by the name the controller sent ("unrecognised: DOOR_FORCED"). */
export function eventKindText(e: Pick<LockerEvent, 'kind' | 'reportedKind'>): string {
  if (e.kind === 'UNRECOGNISED') return `unrecognised: ${e.reportedKind ?? 'no name'}`;
  return EVENT_KIND_LABEL[e.kind] ?? e.kind;
}

/** The compartment's label, or "Whole bank" for bank-level events (power, cabinet, what the server recorded). */
export function eventWhereText(e: Pick<LockerEvent, 'compartmentLabel'>): string {
  return e.compartmentLabel ?? 'Whole bank';
}

/**
 * Everything else worth saying about an entry, one line each: why it was
 * rejected, its flags with the time the controller reported, the fault code,
 * the detail (which names the range for EVENTS_LOST).
 */
export function eventNotes(
  e: Pick<LockerEvent, 'kind' | 'rejection' | 'flags' | 'reportedAt' | 'code' | 'faultCode' | 'detail'>,
): string[] {
  const notes: string[] = [];
  if (e.rejection) notes.push(`Rejected: ${REJECTION_LABEL[e.rejection] ?? e.rejection}`);
  for (const flag of e.flags) {
    const label = FLAG_LABEL[flag] ?? flag;
    const reported = flag !== 'TRUNCATED' && e.reportedAt ? ` (reported ${e.reportedAt})` : '';
    notes.push(label + reported);
  }
  // A time kept for another reason (a rejection for a bad time) is said once, here.
  if (e.reportedAt && !e.flags.some((f) => f !== 'TRUNCATED')) notes.push(`Reported time: ${e.reportedAt}`);
  if (e.faultCode || e.code) {
    const known = e.faultCode && e.faultCode !== 'OTHER' ? FAULT_LABEL[e.faultCode] : null;
    notes.push(
      known ? `Fault code ${e.faultCode} (${known})` : `Fault code ${e.code ?? e.faultCode} (not a standard code)`,
    );
  }
  if (e.detail) notes.push(e.kind === 'EVENTS_LOST' ? `Lost: ${e.detail}` : e.detail);
  return notes;
}
