/**
 * The gate every pickup secret passes, whatever is behind the door (a
 * parcel, a laptop): a keypad code or a QR is counted by the attempt
 * mechanism (attempts/) against the credential that typed it (a kiosk or
 * the bank's controller), the bank and the network client *before* it is
 * looked at, and every refusal reads the same, so an answer never tells
 * whether a code exists.
 */
import { authorize, type Principal } from '../access/authorize.js';
import { bankScopeOf } from '../access/scope.js';
import type { AttemptService, BeganAttempt } from '../attempts/service.js';
import type { DeviceService } from '../devices/service.js';
import type { DeviceIdentity } from '../devices/types.js';
import type { Viewer } from '../people/types.js';
import { forbidden } from '../shared/errors.js';

/** The one answer to every refused code or QR. */
export const NOT_VALID = 'That code is not valid here. Check it and try again, or contact the mailroom.';

export type PickupSecret = 'PICKUP_CODE' | 'PICKUP_QR';
export type PickupRefused = { __typename: 'PickupRefused'; message: string; retryAfterSeconds: number | null };
export type PickupAttempt = Extract<BeganAttempt, { ok: true }>;

const OPERATION = {
  PICKUP_CODE: 'Mutation.redeemPickupCode',
  PICKUP_QR: 'Mutation.redeemPickupQr',
} as const;

export function createPickupGate(deps: { attempts: AttemptService; devices: Pick<DeviceService, 'isOnline'> }) {
  const { attempts, devices } = deps;

  /** Who is trying: a kiosk or a controller, for its own bank (the matrix grants no one else). */
  function credentialOf(principal: Principal, secret: PickupSecret) {
    const op = OPERATION[secret];
    const p = authorize(principal, op);
    const scope = bankScopeOf(p, op);
    if (scope.kind !== 'bank') throw forbidden('Only a locker controller or a kiosk may redeem pickup codes.');
    const credential = 'role' in p ? `kiosk:${p.tokenId}` : `device:${scope.bankId}`;
    return { credential, bankId: scope.bankId };
  }

  /** A refusal: the same words for every wrong secret; a wait when a budget is spent. */
  function refuse(retryAfterMs: number | null = null): PickupRefused {
    return {
      __typename: 'PickupRefused',
      message: retryAfterMs ? 'Too many attempts at this locker. Please wait and try again.' : NOT_VALID,
      retryAfterSeconds: retryAfterMs ? Math.max(1, Math.ceil(retryAfterMs / 1000)) : null,
    };
  }

  return {
    refuse,

    /**
     * Starts an attempt: refused before the secret is looked at when the bank
     * is offline (which reveals nothing about the secret) or a budget is spent.
     */
    async begin(
      secret: PickupSecret,
      viewer: Viewer | null,
      device: DeviceIdentity | null,
      client: string | null,
    ): Promise<{ ok: false; result: PickupRefused } | { ok: true; bankId: string; attempt: PickupAttempt }> {
      const { credential, bankId } = credentialOf(device ?? viewer, secret);
      if (!(await devices.isOnline(bankId))) {
        return {
          ok: false,
          result: {
            __typename: 'PickupRefused',
            message: 'This locker is not connected right now. Try again in a minute or contact the mailroom.',
            retryAfterSeconds: 30,
          },
        };
      }
      const attempt = await attempts.begin({
        secret,
        scopes: { credential, bank: bankId, ...(client ? { client } : {}) },
        credential,
        client,
        bankId,
      });
      if (!attempt.ok) return { ok: false, result: refuse(attempt.retryAfterMs) };
      return { ok: true, bankId, attempt };
    },

    /**
     * A wrong secret: counted. Returns the refusal and, for codes, the bank's
     * failure total, which the caller compares with each waiting code's
     * exposure (codes at a bank are all guessed at by every wrong one).
     */
    async fail(attempt: PickupAttempt): Promise<{ refusal: PickupRefused; bankTotal: number | null }> {
      const { retryAfterMs, bankTotal } = await attempt.fail();
      return { refusal: refuse(retryAfterMs), bankTotal };
    },
  };
}

export type PickupGate = ReturnType<typeof createPickupGate>;
