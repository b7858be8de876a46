/**
 * Every budget for guessable secrets, as data: one row per secret and scope.
 * docs/security.md derives the guessing arithmetic from these numbers; change
 * them together.
 *
 * A budget is a leaky bucket: each failure adds 1 to `level`, which drains at
 * `drainPerHour`; an attempt is refused while the bucket cannot take one more
 * (`level + 1 > capacity`) or while a lockout runs. A failure that fills the
 * bucket starts a lockout of `baseLockoutMs × 2^lockouts` (at most
 * `maxLockoutMs`); the lockout count itself drains by one every
 * `lockoutHalfLifeMs`. Nothing but time drains either: a success refunds only
 * its own attempt.
 */
export const ATTEMPT_SECRETS = ['PICKUP_CODE', 'PICKUP_QR', 'SIGN_IN_CODE'] as const;
export type AttemptSecret = (typeof ATTEMPT_SECRETS)[number];

/**
 * credential: the kiosk or controller credential (or, for sign-in, the address);
 * bank: every credential of one bank together; client: one network address;
 * global: the whole service.
 */
export type AttemptScope = 'credential' | 'bank' | 'client' | 'global';

export interface Budget {
  capacity: number;
  drainPerHour: number;
  baseLockoutMs: number;
  maxLockoutMs: number;
  /** The lockout count drains by one per this interval. */
  lockoutDrainMs: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export const BUDGETS: Record<AttemptSecret, Partial<Record<AttemptScope, Budget>>> = {
  // 8 digits, 10^8 codes, bound to their bank. The bank row is the one an
  // attacker holding every credential of a bank meets: 30 guesses an hour.
  PICKUP_CODE: {
    credential: {
      capacity: 10,
      drainPerHour: 20,
      baseLockoutMs: MINUTE,
      maxLockoutMs: 24 * HOUR,
      lockoutDrainMs: 6 * HOUR,
    },
    bank: { capacity: 30, drainPerHour: 30, baseLockoutMs: MINUTE, maxLockoutMs: HOUR, lockoutDrainMs: 6 * HOUR },
    // Several kiosks may share a NAT address: roomier than one credential.
    client: {
      capacity: 60,
      drainPerHour: 120,
      baseLockoutMs: MINUTE,
      maxLockoutMs: 24 * HOUR,
      lockoutDrainMs: 6 * HOUR,
    },
  },
  // Signed tokens cannot be guessed; the budget stops a scanner being used as
  // an oracle and keeps QR pickups apart from a keypad flood.
  PICKUP_QR: {
    credential: {
      capacity: 20,
      drainPerHour: 60,
      baseLockoutMs: MINUTE,
      maxLockoutMs: 24 * HOUR,
      lockoutDrainMs: 6 * HOUR,
    },
    bank: { capacity: 60, drainPerHour: 120, baseLockoutMs: MINUTE, maxLockoutMs: HOUR, lockoutDrainMs: 6 * HOUR },
    client: {
      capacity: 60,
      drainPerHour: 120,
      baseLockoutMs: MINUTE,
      maxLockoutMs: 24 * HOUR,
      lockoutDrainMs: 6 * HOUR,
    },
  },
  // 6 digits, 10^6 codes, 10 minutes each, burnt after SIGN_IN_TRIES_PER_CODE
  // wrong tries (per code, see people/service.ts). Per address the rate is
  // bounded by how many codes an address can be sent (SIGN_IN_CODES_PER_WINDOW).
  SIGN_IN_CODE: {
    client: {
      capacity: 20,
      drainPerHour: 30,
      baseLockoutMs: 5 * MINUTE,
      maxLockoutMs: 24 * HOUR,
      lockoutDrainMs: 6 * HOUR,
    },
    // A whole-service ceiling against many addresses at once: 1 a second sustained.
    global: {
      capacity: 600,
      drainPerHour: 3_600,
      baseLockoutMs: MINUTE,
      maxLockoutMs: 15 * MINUTE,
      lockoutDrainMs: HOUR,
    },
  },
};

/**
 * A pickup code's exposure: wrong codes typed at its bank since it was issued,
 * whatever door they named. Past this many the code is re-issued and the
 * recipient sent the new one: any one code then has at most a
 * 3,000 / 10^8 = 0.003 % chance of having been hit.
 */
export const PICKUP_CODE_EXPOSURE_CAP = 3_000;

export const budgetKey = (secret: AttemptSecret, scope: AttemptScope, id: string) => `${secret}:${scope}:${id}`;
