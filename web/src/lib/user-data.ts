/**
 * Removes what one person's use of the app left on this device: the persisted
 * Graphcache, the service worker's runtime caches (per-user HTML and RSC
 * payloads) and the "last data" time. Called on sign-out, and on sign-in for
 * anyone else's leftovers (e.g. a session that expired without a sign-out).
 */
import { RUNTIME_CACHE_PREFIX } from '@/shared/cache-names';
import { LAST_DATA_KEY_PREFIX, lastDataKey } from './live-status';
import { GRAPHCACHE_DB_PREFIX, graphcacheDbName } from './urql';

export async function clearRuntimeCaches(): Promise<void> {
  if (typeof caches === 'undefined') return;
  const names = await caches.keys();
  await Promise.all(names.filter((n) => n.startsWith(RUNTIME_CACHE_PREFIX)).map((n) => caches.delete(n)));
}

/**
 * Deletes persisted caches of everyone but `keepPersonId`. A database still
 * open in this page cannot be deleted until the page goes away, so the
 * current person's cache is emptied through its storage adapter instead.
 */
export async function deleteGraphcacheDatabases(keepPersonId?: string): Promise<void> {
  if (typeof indexedDB === 'undefined' || typeof indexedDB.databases !== 'function') return;
  const keep = keepPersonId ? graphcacheDbName(keepPersonId) : undefined;
  const dbs = await indexedDB.databases();
  for (const db of dbs) {
    if (db.name?.startsWith(GRAPHCACHE_DB_PREFIX) && db.name !== keep) {
      // Not awaited: a "blocked" deletion completes once the last connection closes.
      indexedDB.deleteDatabase(db.name);
    }
  }
}

export function clearLastDataTimes(keepPersonId?: string): void {
  try {
    const keep = keepPersonId ? lastDataKey(keepPersonId) : undefined;
    const doomed: string[] = [];
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      if (key?.startsWith(LAST_DATA_KEY_PREFIX) && key !== keep) doomed.push(key);
    }
    for (const key of doomed) localStorage.removeItem(key);
  } catch {
    // Storage unavailable: nothing persisted either.
  }
}

/** Best effort with a deadline: sign-out must finish even if IndexedDB or the network hangs. */
export async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([work.catch(() => undefined), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

export async function clearOtherPeoplesData(personId: string): Promise<void> {
  clearLastDataTimes(personId);
  await withTimeout(Promise.all([clearRuntimeCaches(), deleteGraphcacheDatabases(personId)]), 2_000);
}
