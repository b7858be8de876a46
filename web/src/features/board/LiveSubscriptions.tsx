'use client';

import { useSubscription } from 'urql';
import { CompartmentUpdatedSubscription, LockerBankUpdatedSubscription } from './documents';

/**
 * Keeps the board live. The payloads land in Graphcache by id, which updates
 * the board query; this component renders nothing so events do not re-render
 * the page twice.
 */
export function LiveSubscriptions() {
  useSubscription({ query: CompartmentUpdatedSubscription });
  useSubscription({ query: LockerBankUpdatedSubscription });
  return null;
}
