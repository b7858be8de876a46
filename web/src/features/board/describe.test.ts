import { describe, expect, it } from 'vitest';
import { byLabel, compartmentAccessibleName, countCompartments, relativeTime, type Compartment } from './describe';
import { nextIndex } from './CompartmentGrid';
import { doorOpenedMessage } from './useDoorAnnouncements';

const base: Compartment = {
  id: 'c1',
  version: 1,
  bankId: 'b1',
  label: 'A07',
  size: 'M',
  hasCharging: false,
  accessible: false,
  door: 'OPEN',
  occupancy: 'OCCUPIED',
  charging: 'IDLE',
  state: 'IN_USE',
  updatedAt: '2026-11-27T08:00:00.000Z',
};

describe('compartmentAccessibleName', () => {
  it('reads label, size, door, occupancy and state', () => {
    expect(compartmentAccessibleName(base)).toBe('A07, size M, door open, occupied, in use');
  });

  it('adds charging and accessibility when they apply', () => {
    expect(
      compartmentAccessibleName({
        ...base,
        door: 'CLOSED',
        occupancy: 'UNKNOWN',
        state: 'OUT_OF_SERVICE',
        hasCharging: true,
        charging: 'CHARGING',
        accessible: true,
      }),
    ).toBe('A07, size M, door closed, occupancy unknown, out of service, charging, accessible');
  });
});

describe('countCompartments', () => {
  it('counts what the tiles show', () => {
    const counts = countCompartments([
      base,
      { ...base, id: 'c2', state: 'AVAILABLE', door: 'CLOSED' },
      { ...base, id: 'c3', state: 'FAULT', door: 'CLOSED' },
      { ...base, id: 'c4', state: 'OUT_OF_SERVICE', door: 'CLOSED' },
      { ...base, id: 'c5', state: 'RESERVED', door: 'CLOSED' },
    ]);
    expect(counts).toEqual({ total: 5, available: 1, inUse: 2, open: 1, unavailable: 2 });
  });
});

describe('byLabel', () => {
  it('sorts labels naturally', () => {
    const labels = ['A10', 'A2', 'B1', 'A1'].map((label) => ({ ...base, label }));
    expect(labels.sort(byLabel).map((c) => c.label)).toEqual(['A1', 'A2', 'A10', 'B1']);
  });
});

describe('relativeTime', () => {
  const now = Date.parse('2026-11-27T08:10:00.000Z');
  it('speaks in minutes and hours', () => {
    expect(relativeTime(null, now)).toBe('never');
    expect(relativeTime('2026-11-27T08:09:50.000Z', now)).toBe('just now');
    expect(relativeTime('2026-11-27T08:05:00.000Z', now)).toBe('5 min ago');
    expect(relativeTime('2026-11-27T05:10:00.000Z', now)).toBe('3 h ago');
  });
});

describe('nextIndex (grid keyboard)', () => {
  it('moves by one sideways and by a row up and down', () => {
    expect(nextIndex('ArrowRight', 0, 10, 4)).toBe(1);
    expect(nextIndex('ArrowLeft', 0, 10, 4)).toBe(0);
    expect(nextIndex('ArrowDown', 1, 10, 4)).toBe(5);
    expect(nextIndex('ArrowDown', 7, 10, 4)).toBe(7);
    expect(nextIndex('ArrowUp', 5, 10, 4)).toBe(1);
    expect(nextIndex('End', 2, 10, 4)).toBe(9);
    expect(nextIndex('Home', 9, 10, 4)).toBe(0);
    expect(nextIndex('a', 0, 10, 4)).toBeNull();
  });
});

describe('doorOpenedMessage', () => {
  it('names up to three doors', () => {
    expect(doorOpenedMessage(['A07 at Library'])).toBe('Door opened: A07 at Library');
    expect(doorOpenedMessage(['A1', 'A2', 'A3', 'A4', 'A5'])).toBe('Doors opened: A1, A2, A3 and 2 more');
  });
});
