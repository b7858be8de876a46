/**
 * Tracking numbers: normalised for duplicate detection, and the carrier
 * guessed from the format where it is recognisable. Unknown formats are kept
 * as free text: a mailroom receives parcels from carriers nobody listed.
 */

export function normaliseTracking(raw: string): string {
  return raw.replace(/[\s-]+/g, '').toUpperCase();
}

const patterns: [carrier: string, re: RegExp][] = [
  ['UPS', /^1Z[0-9A-Z]{16}$/],
  ['Royal Mail', /^[A-Z]{2}\d{9}GB$/],
  ['USPS', /^(94|93|92|95)\d{20}$|^[A-Z]{2}\d{9}US$/],
  ['DHL', /^JJD\d{10,20}$|^\d{10}$/],
  ['FedEx', /^\d{12}$|^\d{15}$/],
  ['Amazon', /^TBA\d{12}$/],
  ['DPD', /^\d{14}$/],
  ['InPost', /^\d{24}$/],
];

export function detectCarrier(raw: string): string | null {
  const key = normaliseTracking(raw);
  return patterns.find(([, re]) => re.test(key))?.[0] ?? null;
}
