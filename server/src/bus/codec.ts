/**
 * Bus payloads on the wire: JSON, with Dates kept as Dates. Rows published
 * on the bus carry Date columns (updatedAt, expiresAt …) and the resolvers
 * and the DateTime scalar expect Date objects, so a payload that crossed Redis
 * must look like one that stayed in the process. Anything else JSON cannot
 * say (Map, Set, BigInt, undefined in arrays) must not be published.
 */
const DATE_TAG = '$bus:date';

export function encodePayload(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key, v: unknown) {
    // `v` is already toJSON()'d (an ISO string for a Date); the holder still has the Date.
    const raw = this[key];
    return raw instanceof Date ? { [DATE_TAG]: raw.getTime() } : v;
  });
}

export function decodePayload<T = unknown>(text: string): T {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const tagged = (v as Record<string, unknown>)[DATE_TAG];
      if (typeof tagged === 'number' && Object.keys(v).length === 1) return new Date(tagged);
    }
    return v;
  }) as T;
}
