import { describe, expect, it, vi } from 'vitest';
import { createLiveStatus, lastDataKey, livenessOf, type LiveSnapshot } from './live-status';

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

describe('the persisted "as of" time', () => {
  function fakeWindow() {
    const storage = new Map<string, string>();
    const target = new EventTarget();
    const win = Object.assign(target, {
      localStorage: {
        getItem: (k: string) => storage.get(k) ?? null,
        setItem: (k: string, v: string) => void storage.set(k, v),
      },
    });
    return { win, storage };
  }

  it('is written when the page goes away, not lost inside the throttle window', () => {
    const { win, storage } = fakeWindow();
    vi.stubGlobal('window', win);
    try {
      const live = createLiveStatus('p1');
      live.markDataReceived(new Date('2026-12-02T10:00:00.000Z'));
      live.markDataReceived(new Date('2026-12-02T10:00:01.000Z'));
      // The first write is scheduled; nothing is written synchronously.
      expect(storage.get(lastDataKey('p1'))).toBeUndefined();
      win.dispatchEvent(new Event('pagehide'));
      expect(storage.get(lastDataKey('p1'))).toBe('2026-12-02T10:00:01.000Z');
      // A new page starts from it.
      expect(createLiveStatus('p1').getSnapshot().lastDataAt).toBe('2026-12-02T10:00:01.000Z');
      live.dispose();
      live.markDataReceived(new Date('2026-12-02T10:00:02.000Z'));
      live.dispose();
      expect(storage.get(lastDataKey('p1'))).toBe('2026-12-02T10:00:02.000Z');
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
