import { describe, expect, it } from 'vitest';
import { effectivePatch, patchForEvent } from './compartment-state.js';

const base = { door: 'CLOSED', occupancy: 'EMPTY', charging: 'IDLE', state: 'AVAILABLE' } as const;

describe('patchForEvent', () => {
  it('makes an available compartment in use when something is sensed inside, and available when emptied', () => {
    expect(patchForEvent(base, 'OCCUPIED')).toEqual({ occupancy: 'OCCUPIED', state: 'IN_USE' });
    expect(patchForEvent({ ...base, occupancy: 'OCCUPIED', state: 'IN_USE' }, 'EMPTY')).toEqual({
      occupancy: 'EMPTY',
      charging: 'IDLE',
      state: 'AVAILABLE',
    });
  });

  it('never lets a sensor move a reserved or out-of-service compartment', () => {
    expect(patchForEvent({ ...base, state: 'RESERVED' }, 'OCCUPIED')).toEqual({ occupancy: 'OCCUPIED' });
    expect(patchForEvent({ ...base, state: 'OUT_OF_SERVICE' }, 'FAULT')).toEqual({});
    expect(patchForEvent({ ...base, state: 'OUT_OF_SERVICE' }, 'FAULT_CLEARED')).toEqual({});
  });

  it('clears a fault back to what occupancy says', () => {
    expect(patchForEvent({ ...base, state: 'FAULT', occupancy: 'OCCUPIED' }, 'FAULT_CLEARED')).toEqual({
      state: 'IN_USE',
    });
    expect(patchForEvent({ ...base, state: 'FAULT' }, 'FAULT_CLEARED')).toEqual({ state: 'AVAILABLE' });
  });

  it('logs tamper without changing state', () => {
    expect(patchForEvent(base, 'TAMPER')).toEqual({});
  });
});

describe('effectivePatch', () => {
  it('drops fields that do not change, and returns null when nothing does', () => {
    expect(effectivePatch(base, { door: 'CLOSED' })).toBeNull();
    expect(effectivePatch(base, { door: 'OPEN', state: 'AVAILABLE' })).toEqual({ door: 'OPEN' });
  });
});
