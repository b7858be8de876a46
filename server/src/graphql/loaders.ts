/**
 * Batching, so a board of many banks costs one query per level, not one per
 * row. Without memoisation on purpose: graphql-ws builds a subscription's
 * context once and reuses it for every event, so a caching loader would
 * serve a compartment's first state forever.
 */
import DataLoader from 'dataloader';
import type { ControllerRow } from '../devices/controllers.js';
import type { BankRow, CompartmentRow, SiteRow } from '../lockers/types.js';
import type { PersonRow } from '../people/types.js';
import type { Services } from '../services.js';

/** A loader of rows by id from one batched query; a missing id loads as undefined. */
function byId<T extends { id: string }>(fetch: (ids: readonly string[]) => T[] | Promise<T[]>) {
  return new DataLoader<string, T | undefined>(
    async (ids) => {
      const rows = new Map((await fetch(ids)).map((r) => [r.id, r]));
      return ids.map((id) => rows.get(id));
    },
    { cache: false },
  );
}

export function createLoaders(services: Services) {
  const store = services.lockers.store;
  return {
    compartmentsByBank: new DataLoader<string, CompartmentRow[]>(
      async (bankIds) => {
        const byBank = new Map<string, CompartmentRow[]>(bankIds.map((id) => [id, []]));
        for (const row of await store.compartmentsByBankIds(bankIds)) byBank.get(row.bankId)?.push(row);
        return bankIds.map((id) => byBank.get(id) ?? []);
      },
      { cache: false },
    ),
    person: byId<PersonRow>((ids) => services.people.findByIds(ids)),
    site: byId<SiteRow>((ids) => store.sitesByIds(ids)),
    bank: byId<BankRow>((ids) => store.banksByIds(ids)),
    compartment: byId<CompartmentRow>((ids) => store.compartmentsByIds(ids)),
    controllerByBank: new DataLoader<string, ControllerRow | undefined>(
      async (bankIds) => {
        const rows = new Map((await services.devices.controllers.byBankIds(bankIds)).map((r) => [r.bankId, r]));
        return bankIds.map((id) => rows.get(id));
      },
      { cache: false },
    ),
  };
}
export type Loaders = ReturnType<typeof createLoaders>;
