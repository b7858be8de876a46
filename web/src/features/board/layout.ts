/**
 * Where a bank's compartments are on the real locker. Labels such as A01, B01,
 * C01, D01 name a row (letter, A at the top) and a column (number): those banks
 * are drawn as they stand, one strip per column. Any other label scheme keeps
 * the plain label order.
 *
 * The arrow keys follow what is on screen (see `spatialNext`): the strips wrap
 * onto further bands on a narrow screen, so "down" from the bottom of one band
 * goes to the top of the strip below it.
 */

const PHYSICAL_LABEL = /^([A-Za-z])(\d{1,3})$/;

export interface PhysicalColumn<T> {
  /** The column number as printed (`01`). */
  label: string;
  number: number;
  /** One slot per row, top to bottom; null where the bank has no such compartment. */
  slots: (T | null)[];
}

export interface PhysicalLayout<T> {
  /** Row letters, top to bottom. */
  rows: string[];
  columns: PhysicalColumn<T>[];
  /** Every compartment, column by column, top to bottom (the reading and tab order). */
  order: T[];
}

/** The physical layout when every label is `<row letter><column number>` and no two are the same; else null. */
export function physicalLayout<T extends { label: string }>(compartments: readonly T[]): PhysicalLayout<T> | null {
  if (compartments.length === 0) return null;
  const parsed: { item: T; row: string; column: number; columnLabel: string }[] = [];
  const seen = new Set<string>();
  for (const item of compartments) {
    const match = PHYSICAL_LABEL.exec(item.label);
    if (!match) return null;
    const row = match[1]!.toUpperCase();
    const column = Number(match[2]);
    const key = `${row}${column}`;
    if (seen.has(key)) return null;
    seen.add(key);
    parsed.push({ item, row, column, columnLabel: match[2]! });
  }
  const rows = [...new Set(parsed.map((p) => p.row))].sort();
  const numbers = [...new Set(parsed.map((p) => p.column))].sort((a, b) => a - b);
  const columns: PhysicalColumn<T>[] = numbers.map((number) => {
    const inColumn = parsed.filter((p) => p.column === number);
    // The widest printed form (A01 and A1 both mean column 1): "01".
    const label = inColumn.map((p) => p.columnLabel).sort((a, b) => b.length - a.length)[0]!;
    return {
      label,
      number,
      slots: rows.map((row) => inColumn.find((p) => p.row === row)?.item ?? null),
    };
  });
  const order = columns.flatMap((c) => c.slots.filter((slot): slot is T => slot !== null));
  return { rows, columns, order };
}

export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

export type ArrowKey = 'ArrowLeft' | 'ArrowRight' | 'ArrowUp' | 'ArrowDown';

/**
 * The tile the arrow key leads to, judged from where the tiles are drawn:
 * the nearest tile in that direction whose centre lies in line with this one.
 * With nothing in line, `beyond` decides (e.g. right from the last strip of a
 * band goes on to the next column). Returns null when the key is not an arrow,
 * `index` otherwise when there is nowhere to go.
 */
export function spatialNext(
  key: string,
  index: number,
  boxes: readonly (Box | null)[],
  beyond: (key: ArrowKey, index: number) => number | null = () => null,
): number | null {
  if (key !== 'ArrowLeft' && key !== 'ArrowRight' && key !== 'ArrowUp' && key !== 'ArrowDown') return null;
  const here = boxes[index];
  if (!here) return index;
  const cx = here.left + here.width / 2;
  const cy = here.top + here.height / 2;
  const horizontal = key === 'ArrowLeft' || key === 'ArrowRight';
  const forward = key === 'ArrowRight' || key === 'ArrowDown';
  let best: number | null = null;
  let bestDistance = Infinity;
  boxes.forEach((box, i) => {
    if (!box || i === index) return;
    const bx = box.left + box.width / 2;
    const by = box.top + box.height / 2;
    const inLine = horizontal
      ? by >= here.top && by <= here.top + here.height
      : bx >= here.left && bx <= here.left + here.width;
    if (!inLine) return;
    const distance = horizontal ? (forward ? bx - cx : cx - bx) : forward ? by - cy : cy - by;
    if (distance <= 1) return;
    if (distance < bestDistance) {
      bestDistance = distance;
      best = i;
    }
  });
  return best ?? beyond(key, index) ?? index;
}

/**
 * For a physical layout: the same row in the next (or previous) column, as
 * indexes into `layout.order`. Used when nothing is in line on screen.
 */
export function physicalBeyond<T>(layout: PhysicalLayout<T>): (key: ArrowKey, index: number) => number | null {
  const positions = new Map<number, { column: number; row: number }>();
  const indexAt = new Map<string, number>();
  let i = 0;
  layout.columns.forEach((column, c) => {
    column.slots.forEach((slot, r) => {
      if (slot === null) return;
      positions.set(i, { column: c, row: r });
      indexAt.set(`${c}:${r}`, i);
      i += 1;
    });
  });
  return (key, index) => {
    const at = positions.get(index);
    if (!at || (key !== 'ArrowRight' && key !== 'ArrowLeft')) return null;
    const step = key === 'ArrowRight' ? 1 : -1;
    for (let c = at.column + step; c >= 0 && c < layout.columns.length; c += step) {
      const found = indexAt.get(`${c}:${at.row}`);
      if (found !== undefined) return found;
    }
    return null;
  };
}
