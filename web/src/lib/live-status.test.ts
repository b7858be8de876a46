import { describe, expect, it } from 'vitest';
import { livenessOf, type LiveSnapshot } from './live-status';

const connected: LiveSnapshot = { socket: 'connected', serverReachable: true, lastDataAt: '2026-12-02T10:42:00.000Z' };

describe('liveness', () => {
  it('is live only online, with the server reachable and the socket up', () => {
    expect(livenessOf(connected, true)).toEqual({ live: true, asOf: connected.lastDataAt });
    expect(livenessOf(connected, false).live).toBe(false);
    expect(livenessOf({ ...connected, serverReachable: false }, true).live).toBe(false);
    expect(livenessOf({ ...connected, socket: 'reconnecting' }, true).live).toBe(false);
  });
  it('says as of when, for a status that is only last known', () => {
    expect(livenessOf({ ...connected, socket: 'reconnecting' }, true).asOf).toBe('2026-12-02T10:42:00.000Z');
    expect(livenessOf({ ...connected, lastDataAt: null }, false).asOf).toBeNull();
  });
});
