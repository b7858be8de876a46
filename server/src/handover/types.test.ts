import { describe, expect, it } from 'vitest';
import { doorOutcome, fittingSizes, type HandoverOperation, type Occupancy } from './types.js';

const opened = new Date('2026-12-03T10:00:00Z');

describe('doorOutcome: what a door event means for the operation under way', () => {
  it('does nothing without an operation, whatever the door does', () => {
    for (const event of ['DOOR_OPENED', 'DOOR_CLOSED'] as const)
      for (const occupancy of ['EMPTY', 'OCCUPIED', 'UNKNOWN'] as const)
        expect(doorOutcome({ operation: null, doorOpenedAt: opened }, event, occupancy)).toBeNull();
  });

  it('records an opening for every operation', () => {
    for (const operation of ['DEPOSIT', 'PICKUP', 'RECALL'] as const)
      expect(doorOutcome({ operation, doorOpenedAt: null }, 'DOOR_OPENED', 'UNKNOWN')).toEqual({ kind: 'OPENED' });
  });

  it('takes no close for the end of an operation whose door never opened for it', () => {
    for (const operation of ['DEPOSIT', 'PICKUP', 'RECALL'] as const)
      for (const occupancy of ['EMPTY', 'OCCUPIED', 'UNKNOWN'] as const)
        expect(doorOutcome({ operation, doorOpenedAt: null }, 'DOOR_CLOSED', occupancy)).toBeNull();
  });

  const closed = (operation: HandoverOperation, occupancy: Occupancy) =>
    doorOutcome({ operation, doorOpenedAt: opened }, 'DOOR_CLOSED', occupancy);

  it('ends a deposit as deposited unless the bank read the compartment empty', () => {
    expect(closed('DEPOSIT', 'OCCUPIED')).toEqual({ kind: 'DEPOSITED' });
    expect(closed('DEPOSIT', 'UNKNOWN')).toEqual({ kind: 'DEPOSITED' });
    expect(closed('DEPOSIT', 'EMPTY')).toEqual({ kind: 'DEPOSIT_EMPTY' });
  });

  it('ends a pickup or a recall as taken unless the bank still read the item inside', () => {
    for (const operation of ['PICKUP', 'RECALL'] as const) {
      expect(closed(operation, 'EMPTY')).toEqual({ kind: 'TAKEN', operation });
      expect(closed(operation, 'UNKNOWN')).toEqual({ kind: 'TAKEN', operation });
      expect(closed(operation, 'OCCUPIED')).toEqual({ kind: 'NOT_TAKEN', operation });
    }
  });
});

it('fits an item in its own size and every larger one, smallest first', () => {
  expect(fittingSizes('S')).toEqual(['S', 'M', 'L', 'XL']);
  expect(fittingSizes('L')).toEqual(['L', 'XL']);
  expect(fittingSizes('XL')).toEqual(['XL']);
});
