/**
 * A small seeded PRNG (mulberry32) so random activity can be replayed with
 * --seed, and tests can be deterministic.
 */
export type Random = () => number;

export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A uniformly chosen element, or undefined for an empty list. */
export function pick<T>(items: readonly T[], random: Random): T | undefined {
  if (items.length === 0) return undefined;
  return items[Math.min(items.length - 1, Math.floor(random() * items.length))];
}

/** Delay until the next event of a Poisson process with `ratePerSecond`. */
export function exponentialDelayMs(ratePerSecond: number, random: Random): number {
  const u = Math.min(random(), 0.999999);
  return (-Math.log(1 - u) / ratePerSecond) * 1000;
}
