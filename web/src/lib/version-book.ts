/**
 * Keeps the newest version seen of every versioned entity (Compartment,
 * LockerBank) so an older payload never replaces newer state.
 *
 * Why not inside a Graphcache updater: Graphcache 9 writes an entity's fields
 * before it calls the field's updater (see `writeSelection`), so an updater can
 * no longer see the version it would be replacing. The book sits beside the
 * cache instead: it learns every version the cache receives or serves
 * (including what it restored from IndexedDB) and rewrites a stale entity in an
 * incoming result to the newest known values, which makes its write a no-op.
 */

type Scalar = string | number | boolean | null;

interface Entry {
  version: number;
  fields: Record<string, Scalar>;
}

export const VERSIONED_TYPES: ReadonlySet<string> = new Set(['Compartment', 'LockerBank']);

export interface ReconcileOutcome {
  /** Entities in the result that were older than what was already known. */
  stale: number;
}

function isScalar(value: unknown): value is Scalar {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

export class VersionBook {
  private readonly entries = new Map<string, Entry>();

  /** The newest known version of an entity, if any. */
  versionOf(typename: string, id: string): number | undefined {
    return this.entries.get(`${typename}:${id}`)?.version;
  }

  /**
   * Walks result data. Newer or equal entities are recorded; older ones get
   * their scalar fields overwritten in place with the newest known values
   * (`patch`), or are only counted (`observe`, for data the cache already holds).
   */
  reconcile(data: unknown, mode: 'patch' | 'observe'): ReconcileOutcome {
    const outcome: ReconcileOutcome = { stale: 0 };
    this.visit(data, mode, outcome, 0);
    return outcome;
  }

  clear(): void {
    this.entries.clear();
  }

  private visit(value: unknown, mode: 'patch' | 'observe', outcome: ReconcileOutcome, depth: number): void {
    if (depth > 32 || typeof value !== 'object' || value === null) return;
    if (Array.isArray(value)) {
      for (const item of value) this.visit(item, mode, outcome, depth + 1);
      return;
    }
    const obj = value as Record<string, unknown>;
    const typename = obj.__typename;
    if (
      typeof typename === 'string' &&
      VERSIONED_TYPES.has(typename) &&
      typeof obj.id === 'string' &&
      typeof obj.version === 'number'
    ) {
      this.record(`${typename}:${obj.id}`, obj, mode, outcome);
    }
    for (const child of Object.values(obj)) {
      if (typeof child === 'object' && child !== null) this.visit(child, mode, outcome, depth + 1);
    }
  }

  private record(key: string, obj: Record<string, unknown>, mode: 'patch' | 'observe', outcome: ReconcileOutcome) {
    const version = obj.version as number;
    const known = this.entries.get(key);
    if (known && known.version > version) {
      outcome.stale += 1;
      if (mode === 'patch') {
        for (const [field, newest] of Object.entries(known.fields)) {
          if (field in obj) obj[field] = newest;
        }
      }
      return;
    }
    const fields: Record<string, Scalar> = known && known.version === version ? { ...known.fields } : {};
    for (const [field, fieldValue] of Object.entries(obj)) {
      if (field !== '__typename' && isScalar(fieldValue)) fields[field] = fieldValue;
    }
    this.entries.set(key, { version, fields });
  }
}
