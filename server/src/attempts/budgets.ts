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
import { ATTEMPT_SECRETS } from '../../../drizzle/schema/attempts.js';

export { ATTEMPT_SECRETS };
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

/** capacity, drained per hour, longest lockout (the first is one minute), lockout count drained per interval. */
const budget = (capacity: number, drainPerHour: number, maxLockoutMs: number, lockoutDrainMs = 6 * HOUR): Budget => ({
  capacity,
  drainPerHour,
  baseLockoutMs: MINUTE,
  maxLockoutMs,
  lockoutDrainMs,
});

export const BUDGETS: Record<AttemptSecret, Partial<Record<AttemptScope, Budget>>> = {
  // 8 digits, 10^8 codes, bound to their bank. The bank row is the one an
  // attacker holding every credential of a bank meets: 30 guesses an hour.
  PICKUP_CODE: {
    credential: budget(10, 20, 24 * HOUR),
    bank: budget(30, 30, HOUR),
    // Several kiosks may share a NAT address: roomier than one credential.
    client: budget(60, 120, 24 * HOUR),
  },
  // Signed tokens cannot be guessed; the budget stops a scanner being used as
  // an oracle and keeps QR pickups apart from a keypad flood.
  PICKUP_QR: {
    credential: budget(20, 60, 24 * HOUR),
    bank: budget(60, 120, HOUR),
    client: budget(60, 120, 24 * HOUR),
  },
  // 6 digits, 10^6 codes, 10 minutes each, burnt after SIGN_IN_TRIES_PER_CODE
  // wrong tries (per code, see people/service.ts). Per address the rate is
  // bounded by how many codes an address can be sent (SIGN_IN_CODES_PER_WINDOW).
  SIGN_IN_CODE: {
    client: budget(20, 30, 24 * HOUR),
    // A whole-service ceiling against many addresses at once: 1 a second sustained.
    global: budget(600, 3_600, 15 * MINUTE, HOUR),
  },
  // Codes one network client, and the whole service, may have mailed. Per
  // address: SIGN_IN_CODES_PER_WINDOW (people/service.ts).
  SIGN_IN_REQUEST: {
    client: budget(10, 20, HOUR, HOUR),
    global: budget(300, 600, HOUR, HOUR),
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
