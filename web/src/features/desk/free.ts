import type { CompartmentSize, CompartmentState } from '@/gql/graphql';

export type FreeBySize = Record<CompartmentSize, number>;

/** Free (AVAILABLE) compartments of a bank by size, from the live board data. */
export function freeBySize(compartments: readonly { size: CompartmentSize; state: CompartmentState }[]): FreeBySize {
  const free: FreeBySize = { S: 0, M: 0, L: 0, XL: 0 };
  for (const c of compartments) if (c.state === 'AVAILABLE') free[c.size] += 1;
  return free;
}

/**
 * Whether a parcel of `size` fits a free compartment: the server reserves the
 * smallest fitting one, so larger free compartments count too.
 */
export function fitsSomewhere(free: FreeBySize, size: CompartmentSize): boolean {
  const order: CompartmentSize[] = ['S', 'M', 'L', 'XL'];
  return order.slice(order.indexOf(size)).some((s) => free[s] > 0);
}
