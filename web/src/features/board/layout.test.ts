import { describe, expect, it } from 'vitest';
import { physicalBeyond, physicalLayout, spatialNext, type Box } from './layout';

const labels = (...names: string[]) => names.map((label) => ({ label }));

/** The demo bank: columns of four rows (A–D), numbered 01, 02, … (server/src/demo/seed.ts). */
const demo = (count: number) =>
  Array.from({ length: count }, (_, i) => ({
    label: `${'ABCD'[i % 4]}${String(Math.floor(i / 4) + 1).padStart(2, '0')}`,
  }));

describe('physical layout', () => {
  it('stacks A01, B01, C01, D01 in column 01 with row A at the top', () => {
    const layout = physicalLayout(demo(8))!;
    expect(layout.rows).toEqual(['A', 'B', 'C', 'D']);
    expect(layout.columns.map((c) => c.label)).toEqual(['01', '02']);
    expect(layout.columns[0]!.slots.map((s) => s?.label)).toEqual(['A01', 'B01', 'C01', 'D01']);
    expect(layout.order.map((c) => c.label)).toEqual(['A01', 'B01', 'C01', 'D01', 'A02', 'B02', 'C02', 'D02']);
  });

  it('orders columns by number, not text, and leaves gaps where a bank has no compartment', () => {
    const layout = physicalLayout(labels('A10', 'A2', 'B2', 'A1', 'B10'))!;
    expect(layout.columns.map((c) => c.number)).toEqual([1, 2, 10]);
    expect(layout.columns[0]!.slots.map((s) => s?.label ?? null)).toEqual(['A1', null]);
    expect(layout.order.map((c) => c.label)).toEqual(['A1', 'A2', 'B2', 'A10', 'B10']);
  });

  it('falls back (null) for any other label scheme or a repeated position', () => {
    expect(physicalLayout(labels('1', '2', '3'))).toBeNull();
    expect(physicalLayout(labels('A01', 'Top-left'))).toBeNull();
    expect(physicalLayout(labels('AA01', 'AB01'))).toBeNull();
    expect(physicalLayout(labels('A01', 'A1'))).toBeNull();
    expect(physicalLayout([])).toBeNull();
  });
});

describe('arrow keys follow what is on screen', () => {
  const W = 100;
  const H = 60;
  const GAP = 10;
  /** Boxes for a physical layout drawn `perBand` strips to a band (like CSS grid wrapping). */
  function draw(columns: number, rows: number, perBand: number): Box[] {
    const boxes: Box[] = [];
    for (let c = 0; c < columns; c++) {
      const band = Math.floor(c / perBand);
      for (let r = 0; r < rows; r++) {
        boxes.push({
          left: (c % perBand) * (W + GAP),
          top: band * (rows * (H + GAP) + 30) + r * (H + GAP),
          width: W,
          height: H,
        });
      }
    }
    return boxes;
  }
  const layout = physicalLayout(demo(24))!; // 6 columns × 4 rows
  const at = (label: string) => layout.order.findIndex((c) => c.label === label);
  const label = (index: number | null) => (index === null ? null : layout.order[index]!.label);

  it('moves along rows and columns when every column fits on one band', () => {
    const boxes = draw(6, 4, 6);
    const beyond = physicalBeyond(layout);
    expect(label(spatialNext('ArrowRight', at('B01'), boxes, beyond))).toBe('B02');
    expect(label(spatialNext('ArrowLeft', at('B02'), boxes, beyond))).toBe('B01');
    expect(label(spatialNext('ArrowDown', at('A03'), boxes, beyond))).toBe('B03');
    expect(label(spatialNext('ArrowUp', at('A03'), boxes, beyond))).toBe('A03');
    expect(label(spatialNext('ArrowRight', at('C06'), boxes, beyond))).toBe('C06');
    expect(spatialNext('Enter', 0, boxes, beyond)).toBeNull();
  });

  it('on a narrow screen, goes on to the next band: down below, right to the next column', () => {
    const boxes = draw(6, 4, 2); // a phone: columns 01–02, then 03–04, then 05–06
    const beyond = physicalBeyond(layout);
    expect(label(spatialNext('ArrowDown', at('D01'), boxes, beyond))).toBe('A03');
    expect(label(spatialNext('ArrowUp', at('A04'), boxes, beyond))).toBe('D02');
    expect(label(spatialNext('ArrowRight', at('B02'), boxes, beyond))).toBe('B03');
    expect(label(spatialNext('ArrowLeft', at('B03'), boxes, beyond))).toBe('B02');
    expect(label(spatialNext('ArrowRight', at('B01'), boxes, beyond))).toBe('B02');
  });

  it('skips an empty slot', () => {
    const gappy = physicalLayout(labels('A01', 'C01', 'A02', 'B02', 'C02'))!;
    const boxes: Box[] = [
      { left: 0, top: 0, width: W, height: H }, // A01
      { left: 0, top: 140, width: W, height: H }, // C01 (B01 missing)
      { left: 110, top: 0, width: W, height: H }, // A02
      { left: 110, top: 70, width: W, height: H }, // B02
      { left: 110, top: 140, width: W, height: H }, // C02
    ];
    expect(gappy.order.map((c) => c.label)).toEqual(['A01', 'C01', 'A02', 'B02', 'C02']);
    expect(spatialNext('ArrowDown', 0, boxes, physicalBeyond(gappy))).toBe(1);
    expect(spatialNext('ArrowRight', 1, boxes, physicalBeyond(gappy))).toBe(4);
  });
});
