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
 * What Graphcache persisted to IndexedDB for a person (web/src/lib/urql.ts:
 * one database per person, store `entries`, values keyed `Type:id.field`),
 * as a reader; null when the store does not exist yet.
 */
async function persistedEntries(page: Page, personId: string) {
  const entries = await page.evaluate(async (dbName) => {
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
      return Object.assign({}, ...batches) as Record<string, string>;
    } finally {
      db.close();
    }
  }, `baylight-graphcache-${personId}`);
  if (!entries) return null;
  return {
    keys: () => Object.keys(entries),
    // Records are JSON; links are ":" + JSON (Graphcache's serialisation).
    read(key: string): unknown {
      const raw = entries[key];
      if (raw === undefined) return undefined;
      return JSON.parse(raw.startsWith(':') ? raw.slice(1) : raw);
    },
  };
}

/** A compartment as Graphcache persisted it, or null when it is not there. */
export async function persistedCompartment(
  page: Page,
  personId: string,
  bankId: string,
  label: string,
): Promise<PersistedCompartment | null> {
  const store = await persistedEntries(page, personId);
  if (!store) return null;
  for (const key of store.keys()) {
    const m = /^(Compartment:[^.]+)\.label$/.exec(key);
    if (!m || store.read(key) !== label || store.read(`${m[1]}.bankId`) !== bankId) continue;
    return {
      door: store.read(`${m[1]}.door`) as string | undefined,
      occupancy: store.read(`${m[1]}.occupancy`) as string | undefined,
      state: store.read(`${m[1]}.state`) as string | undefined,
      version: store.read(`${m[1]}.version`) as number | undefined,
    };
  }
  return null;
}

export interface PersistedParcel {
  /** `Query.myParcels` links to it. */
  listed: boolean;
  status?: string;
  pickupCode?: string | null;
  pickupQrToken?: string | null;
}

/** A parcel as Graphcache persisted it (what an offline reload can show), or null when nothing of it is there. */
export async function persistedParcel(page: Page, personId: string, parcelId: string): Promise<PersistedParcel | null> {
  const store = await persistedEntries(page, personId);
  if (!store) return null;
  const key = `Parcel:${parcelId}`;
  const status = store.read(`${key}.status`) as string | undefined;
  const list = store.read('Query.myParcels');
  const listed = Array.isArray(list) && list.includes(key);
  if (status === undefined && !listed) return null;
  return {
    listed,
    status,
    pickupCode: store.read(`${key}.pickupCode`) as string | null | undefined,
    pickupQrToken: store.read(`${key}.pickupQrToken`) as string | null | undefined,
  };
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
