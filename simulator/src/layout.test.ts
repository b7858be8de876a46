import { describe, expect, it } from 'vitest';
import { generateCompartments } from './layout.js';

describe('generateCompartments', () => {
  it('labels A01..A24 for a bank of 24, in order, without repeats', () => {
    const specs = generateCompartments(24);
    expect(specs.map((s) => s.label)).toEqual(
      Array.from({ length: 24 }, (_, i) => `A${String(i + 1).padStart(2, '0')}`),
    );
  });

  it('pads to three digits above 99 so labels sort, and allows up to 200', () => {
    const specs = generateCompartments(120);
    expect(specs[0]?.label).toBe('A001');
    expect(specs[119]?.label).toBe('A120');
    expect(new Set(specs.map((s) => s.label)).size).toBe(120);
    expect(generateCompartments(200)).toHaveLength(200);
  });

  it('numbers down each column of four: the bottom row (4th, 8th, …) is the accessible one', () => {
    const specs = generateCompartments(24);
    expect(specs.filter((s) => s.accessible).map((s) => s.label)).toEqual(['A04', 'A08', 'A12', 'A16', 'A20', 'A24']);
  });

  it('mixes sizes realistically: small on top, large at the bottom, every size present', () => {
    const specs = generateCompartments(24);
    const sizes = new Set(specs.map((s) => s.size));
    expect([...sizes].sort()).toEqual(['L', 'M', 'S', 'XL']);
    expect(specs.filter((_, i) => i % 4 === 0).every((s) => s.size === 'S')).toBe(true);
    expect(specs.filter((s) => s.accessible).every((s) => s.size === 'L' || s.size === 'XL')).toBe(true);
  });

  it('puts chargers in a few compartments, not all', () => {
    const charging = generateCompartments(24).filter((s) => s.hasCharging);
    expect(charging.length).toBeGreaterThanOrEqual(2);
    expect(charging.length).toBeLessThanOrEqual(6);
    expect(charging.every((s) => s.size === 'M')).toBe(true);
  });

  it('supports another prefix and row count', () => {
    const specs = generateCompartments(6, { rows: 3, prefix: 'B' });
    expect(specs.map((s) => s.label)).toEqual(['B01', 'B02', 'B03', 'B04', 'B05', 'B06']);
    expect(specs.filter((s) => s.accessible).map((s) => s.label)).toEqual(['B03', 'B06']);
  });

  it('refuses counts outside 1–200', () => {
    expect(() => generateCompartments(0)).toThrow(RangeError);
    expect(() => generateCompartments(201)).toThrow(RangeError);
    expect(() => generateCompartments(2.5)).toThrow(RangeError);
  });
});
