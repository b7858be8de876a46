/** Per-request batching, so a board of many banks costs one query per level, not one per row. */
import DataLoader from 'dataloader';
import type { Services } from '../services.js';
import type { CompartmentRow, SiteRow } from '../lockers/types.js';
import type { PersonRow } from '../people/types.js';

export function createLoaders(services: Services) {
  const store = services.lockers.store;
  return {
    compartmentsByBank: new DataLoader<string, CompartmentRow[]>((bankIds) => {
      const rows = store.compartmentsByBankIds(bankIds);
      return Promise.resolve(bankIds.map((id) => rows.filter((r) => r.bankId === id)));
    }),
    person: new DataLoader<string, PersonRow | undefined>((ids) => {
      const rows = services.people.findByIds(ids);
      return Promise.resolve(ids.map((id) => rows.find((r) => r.id === id)));
    }),
    site: new DataLoader<string, SiteRow | undefined>((ids) => {
      const rows = store.sitesByIds(ids);
      return Promise.resolve(ids.map((id) => rows.find((r) => r.id === id)));
    }),
  };
}
export type Loaders = ReturnType<typeof createLoaders>;
