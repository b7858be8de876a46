/**
 * Looks inside the browser's storage the web app uses, so tests can wait for
 * what they depend on instead of sleeping.
 */
import type { Page } from '@playwright/test';

/** Resolves once a service worker controls the page (the app's worker calls clients.claim()). */
export async function waitForServiceWorkerControl(page: Page): Promise<void> {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (navigator.serviceWorker.controller) return;
    await new Promise<void>((resolve) =>
      navigator.serviceWorker.addEventListener('controllerchange', () => resolve(), { once: true }),
    );
  });
}

export interface PersistedCompartment {
  door?: string;
  occupancy?: string;
  state?: string;
  version?: number;
}

/**
 * A compartment as Graphcache persisted it to IndexedDB (web/src/lib/urql.ts:
 * one database per person, store `entries`, values keyed `Type:id.field`),
 * or null when it is not there.
 */
export async function persistedCompartment(
  page: Page,
  personId: string,
  bankId: string,
  label: string,
): Promise<PersistedCompartment | null> {
  return page.evaluate(
    async ({ dbName, bankId, label }) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const req = indexedDB.open(dbName);
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error ?? new Error('indexedDB.open failed'));
      });
      try {
        if (!db.objectStoreNames.contains('entries')) return null;
        const batches = await new Promise<Record<string, string>[]>((resolve, reject) => {
          const req = db.transaction('entries', 'readonly').objectStore('entries').getAll();
          req.onsuccess = () => resolve(req.result as Record<string, string>[]);
          req.onerror = () => reject(req.error ?? new Error('getAll failed'));
        });
        const entries: Record<string, string> = Object.assign({}, ...batches);
        const read = (key: string): unknown => (entries[key] === undefined ? undefined : JSON.parse(entries[key]));
        for (const key of Object.keys(entries)) {
          const m = /^(Compartment:[^.]+)\.label$/.exec(key);
          if (!m || read(key) !== label || read(`${m[1]}.bankId`) !== bankId) continue;
          return {
            door: read(`${m[1]}.door`) as string | undefined,
            occupancy: read(`${m[1]}.occupancy`) as string | undefined,
            state: read(`${m[1]}.state`) as string | undefined,
            version: read(`${m[1]}.version`) as number | undefined,
          };
        }
        return null;
      } finally {
        db.close();
      }
    },
    { dbName: `baylight-graphcache-${personId}`, bankId, label },
  );
}

/** The "last data from the server" time the board persists per person (web/src/lib/live-status.ts). */
export async function persistedLastDataAt(page: Page, personId: string): Promise<string | null> {
  return page.evaluate((key) => localStorage.getItem(key), `baylight.lastDataAt.${personId}`);
}

/**
 * Makes every IndexedDB transaction in the page report completion `ms` later,
 * like a phone whose storage is slow to wake up. Reads and writes still
 * happen; only code waiting for `oncomplete` (Graphcache's hydration) waits longer.
 */
export async function slowIndexedDbTransactions(page: Page, ms: number): Promise<void> {
  await page.addInitScript((delay) => {
    const desc = Object.getOwnPropertyDescriptor(IDBTransaction.prototype, 'oncomplete');
    // eslint-disable-next-line @typescript-eslint/unbound-method -- both are called with .call(this) below
    const { get, set } = desc ?? {};
    if (!get || !set) return;
    Object.defineProperty(IDBTransaction.prototype, 'oncomplete', {
      configurable: true,
      get(this: IDBTransaction) {
        return get.call(this);
      },
      set(this: IDBTransaction, handler: ((this: IDBTransaction, ev: Event) => unknown) | null) {
        set.call(this, handler && ((ev: Event) => setTimeout(() => handler.call(this, ev), delay)));
      },
    });
  }, ms);
}
