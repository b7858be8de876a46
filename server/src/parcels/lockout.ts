/**
 * Exponential lockout after failed pickup attempts (NIST SP 800-63B 5.2.2):
 * every FAILURES_PER_LOCKOUT failures lock for BASE_LOCKOUT_MS, doubling with
 * each lockout. A parcel also has a lifetime cap on failures, after which its
 * code stops working for good (staff or the recipient re-issue it).
 */
export const FAILURES_PER_LOCKOUT = 5;
export const BASE_LOCKOUT_MS = 60_000;
export const MAX_LOCKOUT_MS = 24 * 3_600_000;
export const PARCEL_LIFETIME_FAILURE_CAP = 100;

export interface ThrottleState {
  failures: number;
  lockouts: number;
  lockedUntil: Date | null;
}

export function isLocked(state: ThrottleState, now: Date): boolean {
  return !!state.lockedUntil && state.lockedUntil > now;
}

/** The state after one more failure; `lockedNow` when this failure started a lockout. */
export function afterFailure(state: ThrottleState, now: Date): ThrottleState & { lockedNow: boolean } {
  const failures = state.failures + 1;
  if (failures % FAILURES_PER_LOCKOUT !== 0) return { ...state, failures, lockedNow: false };
  const duration = Math.min(BASE_LOCKOUT_MS * 2 ** state.lockouts, MAX_LOCKOUT_MS);
  return { failures, lockouts: state.lockouts + 1, lockedUntil: new Date(now.getTime() + duration), lockedNow: true };
}
