/**
 * What the limits work out from a document alone (its estimated cost, its
 * repeated mutation fields, where its variables are used), kept with the
 * document. Apollo hands the same parsed and validated DocumentNode to every
 * request with the same query text (its document cache), so a board polled
 * by every screen is analysed once, not once per request; per-request inputs
 * (the variables' values, the budgets) are still checked every time.
 *
 * Keyed weakly by the document, so an entry goes when Apollo's cache drops
 * the document; an entry is only reused for the same schema and settings.
 */
import type { DocumentNode } from 'graphql';

export interface DocumentMemo<T> {
  get(document: DocumentNode, deps: readonly unknown[], key: string, compute: () => T): T;
}

/** The memo key of an operation name: null/undefined (the document's only operation) is not "". */
export const operationKey = (operationName: string | null | undefined) =>
  operationName == null ? '(only)' : `name:${operationName}`;

export function documentMemo<T>(): DocumentMemo<T> {
  const byDocument = new WeakMap<DocumentNode, { deps: readonly unknown[]; values: Map<string, T> }>();
  return {
    get(document, deps, key, compute) {
      let entry = byDocument.get(document);
      if (!entry || entry.deps.length !== deps.length || entry.deps.some((d, i) => d !== deps[i])) {
        entry = { deps, values: new Map() };
        byDocument.set(document, entry);
      }
      if (entry.values.has(key)) return entry.values.get(key)!;
      const value = compute();
      entry.values.set(key, value);
      return value;
    },
  };
}
