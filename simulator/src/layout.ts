/**
 * The physical layout of a simulated bank, used when provisioning it.
 *
 * A bank is a row of columns, each `rows` doors high (4 by default: rows
 * A–D from the top). Doors are numbered down each column, then along:
 * A01–A04 are the first column top to bottom, A05–A08 the next, and so on,
 * as printed on many real banks.
 *
 *   row 0 (top)     S      small parcels, keys, phones
 *   row 1           M      every other column has a charger (laptops, phones)
 *   row 2           M / L  alternating
 *   row 3 (bottom)  L, XL in every fourth column; reachable from a wheelchair
 *
 * The bottom row is the accessible one (lowest reach).
 */
import type { CompartmentSize } from './types.js';

/** `CompartmentSpecInput` of the schema. */
export interface CompartmentSpec {
  label: string;
  size: CompartmentSize;
  hasCharging: boolean;
  accessible: boolean;
}

export interface LayoutOptions {
  /** Doors per column. Default 4. */
  rows?: number;
  /** Label prefix. Default 'A'. */
  prefix?: string;
}

/** The schema allows 1–200 compartments per bank. */
export const MAX_COMPARTMENTS = 200;

export function generateCompartments(count: number, options: LayoutOptions = {}): CompartmentSpec[] {
  const rows = options.rows ?? 4;
  const prefix = options.prefix ?? 'A';
  if (!Number.isInteger(count) || count < 1 || count > MAX_COMPARTMENTS) {
    throw new RangeError(`a bank has 1–${MAX_COMPARTMENTS} compartments, got ${count}`);
  }
  if (!Number.isInteger(rows) || rows < 1) throw new RangeError(`rows must be a positive integer, got ${rows}`);
  // A01…A99, and A001…A200 for banks of more than 99 so labels sort.
  const width = Math.max(2, String(count).length);
  const specs: CompartmentSpec[] = [];
  for (let i = 0; i < count; i++) {
    const column = Math.floor(i / rows);
    const row = i % rows;
    const bottom = row === rows - 1;
    specs.push({
      label: `${prefix}${String(i + 1).padStart(width, '0')}`,
      size: sizeFor(row, rows, column),
      hasCharging: rows > 1 && row === 1 && column % 2 === 0,
      accessible: bottom,
    });
  }
  return specs;
}

function sizeFor(row: number, rows: number, column: number): CompartmentSize {
  if (rows === 1) return 'M';
  if (row === rows - 1) return column % 4 === 3 ? 'XL' : 'L';
  if (row === 0) return 'S';
  if (row === 1) return 'M';
  return column % 2 === 0 ? 'M' : 'L';
}
