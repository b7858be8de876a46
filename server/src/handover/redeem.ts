/**
 * The one redeem path for a code typed at a locker, whatever it opens: a
 * parcel's pickup, a laptop's pickup, a drop-off for IT. The attempt
 * mechanism counts the try before the code is looked at (pickup-gate.ts);
 * then each domain that holds codes (a `CodeHolder`) is asked in turn
 * whether the code is one of its live ones at this bank. Codes are unique
 * across domains (handover/store.ts codeLookupTaken), so at most one says yes.
 * A wrong code is one failure, however many domains were asked.
 */
import type { DeviceIdentity } from '../devices/types.js';
import type { Viewer } from '../people/types.js';
import { codeLookup, CODE_DIGITS } from './credentials.js';
import type { PickupGate } from './pickup-gate.js';
import type { CommandRow } from '../devices/types.js';
import type { PickupRefused } from './pickup-gate.js';

export type RedeemResult =
  { __typename: 'PickupOpened'; compartmentLabel: string; command: CommandRow } | PickupRefused;

export interface CodeHolder {
  /**
   * The item a code's lookup belongs to, if it is live at this bank now, and
   * how to open its door (null: the door would not take the command).
   */
  find(
    lookup: string,
    bankId: string,
  ): Promise<{ itemId: string; open: () => Promise<RedeemResult | null> } | undefined>;
  /** Wrong codes at a bank are guesses at all its codes: replace those exposed past the cap. */
  reissueOverexposed(bankId: string, bankTotal: number): Promise<void>;
}

export function createCodeRedeemer(deps: { gate: PickupGate; secret: string }) {
  const holders: CodeHolder[] = [];
  return {
    addHolder(holder: CodeHolder) {
      holders.push(holder);
    },

    async redeem(
      viewer: Viewer | null,
      device: DeviceIdentity | null,
      rawCode: string,
      client: string | null,
    ): Promise<RedeemResult> {
      const begun = await deps.gate.begin('PICKUP_CODE', viewer, device, client);
      if (!begun.ok) return begun.result;
      const { bankId, attempt } = begun;
      const code = rawCode.replace(/[\s-]/g, '');
      if (new RegExp(`^\\d{${CODE_DIGITS}}$`).test(code)) {
        const lookup = codeLookup(deps.secret, code);
        for (const holder of holders) {
          const found = await holder.find(lookup, bankId);
          if (!found) continue;
          const opened = await found.open();
          // A right code whose door would not take the command was still right: not a failure.
          await attempt.succeed(found.itemId);
          return opened ?? deps.gate.refuse();
        }
      }
      const { refusal, bankTotal } = await deps.gate.fail(attempt);
      if (bankTotal !== null) for (const holder of holders) await holder.reissueOverexposed(bankId, bankTotal);
      return refusal;
    },
  };
}

export type CodeRedeemer = ReturnType<typeof createCodeRedeemer>;
