/**
 * The leaky-bucket arithmetic of one attempt counter, pure so it can be
 * tested on its own. See budgets.ts for what the numbers mean.
 */
import type { Budget } from './budgets.js';

export interface BucketState {
  level: number;
  lockouts: number;
  lockedUntil: Date | null;
  total: number;
  updatedAt: Date;
}

export const emptyBucket = (now: Date): BucketState => ({
  level: 0,
  lockouts: 0,
  lockedUntil: null,
  total: 0,
  updatedAt: now,
});

/** The state drained up to `now` (time is the only thing that lowers it). */
export function drained(state: BucketState, budget: Budget, now: Date): BucketState {
  const elapsed = Math.max(0, now.getTime() - state.updatedAt.getTime());
  return {
    ...state,
    level: Math.max(0, state.level - (elapsed * budget.drainPerHour) / 3_600_000),
    lockouts: Math.max(0, state.lockouts - elapsed / budget.lockoutDrainMs),
    lockedUntil: state.lockedUntil && state.lockedUntil > now ? state.lockedUntil : null,
    updatedAt: now,
  };
}

/** When one more attempt may be made: null for now. */
export function blockedUntil(state: BucketState, budget: Budget, now: Date): Date | null {
  if (state.lockedUntil && state.lockedUntil > now) return state.lockedUntil;
  const over = state.level + 1 - budget.capacity;
  if (over <= 1e-9) return null;
  return new Date(now.getTime() + Math.ceil((over * 3_600_000) / budget.drainPerHour));
}

/** One attempt in flight: counted before the secret is looked at. */
export const charged = (state: BucketState): BucketState => ({ ...state, level: state.level + 1 });

/** The attempt was right: only its own charge is given back. */
export const refunded = (state: BucketState): BucketState => ({ ...state, level: Math.max(0, state.level - 1) });

/** The attempt was wrong: it stays counted; a full bucket starts a lockout. */
export function failed(state: BucketState, budget: Budget, now: Date): BucketState & { lockedNow: boolean } {
  const total = state.total + 1;
  // Locked when the bucket could not take one more attempt.
  if (state.level + 1 <= budget.capacity + 1e-9) return { ...state, total, lockedNow: false };
  const duration = Math.min(budget.baseLockoutMs * 2 ** Math.round(state.lockouts), budget.maxLockoutMs);
  const lockedUntil = new Date(now.getTime() + duration);
  return { ...state, total, lockouts: state.lockouts + 1, lockedUntil, lockedNow: true };
}
