/**
 * Graphcache normalisation. Entities are keyed by `id` (the default); types
 * without an id are embedded in their parent.
 */
import type { Cache, KeyingConfig, UpdatesConfig } from '@urql/exchange-graphcache';

export const cacheKeys: KeyingConfig = {
  CompartmentCounts: () => null,
  RequestSignInCodePayload: () => null,
  SignInSuccess: () => null,
  SignInFailure: () => null,
};

interface CompartmentPayload {
  __typename?: string;
  id: string;
  bankId: string;
}

/**
 * A compartment the board has not seen yet (added to a bank after the board
 * was loaded) is appended to its bank's list so it shows without a reload.
 * Known compartments need nothing: the payload is normalised onto the entity
 * by id, and stale versions were already neutralised by the VersionBook.
 */
export function linkNewCompartment(cache: Cache, compartment: CompartmentPayload): void {
  const bankKey = cache.keyOfEntity({ __typename: 'LockerBank', id: compartment.bankId });
  const compartmentKey = cache.keyOfEntity({ __typename: 'Compartment', id: compartment.id });
  if (!bankKey || !compartmentKey) return;
  const current: unknown = cache.resolve(bankKey, 'compartments');
  if (!Array.isArray(current)) return; // the bank's list was never loaded: the next query brings it
  const keys = current as (string | null)[];
  if (keys.includes(compartmentKey)) return;
  cache.link(bankKey, 'compartments', [...keys, compartmentKey]);
}

export const cacheUpdates: UpdatesConfig = {
  Subscription: {
    compartmentUpdated(result, _args, cache) {
      const payload = result.compartmentUpdated as CompartmentPayload | null | undefined;
      if (payload?.id && payload.bankId) linkNewCompartment(cache, payload);
    },
  },
};
