import { describe, expect, it } from 'vitest';
import { afterQuietHours } from './quiet-hours.js';

describe('quiet hours', () => {
  it('holds a notice due at 23:30 until 07:00 for a 22:00–07:00 window', () => {
    const at = new Date('2026-11-27T23:30:00Z');
    expect(afterQuietHours(at, '22:00', '07:00', 'UTC').toISOString()).toBe('2026-11-28T07:00:00.000Z');
  });

  it('sends at once outside the window', () => {
    const at = new Date('2026-11-27T12:00:00Z');
    expect(afterQuietHours(at, '22:00', '07:00', 'UTC')).toBe(at);
  });

  it('counts in the site time zone', () => {
    // 06:30 UTC is 07:30 in Paris (winter): outside 22:00–07:00 there.
    const at = new Date('2026-11-27T06:30:00Z');
    expect(afterQuietHours(at, '22:00', '07:00', 'Europe/Paris')).toBe(at);
    expect(afterQuietHours(at, '22:00', '07:00', 'UTC').toISOString()).toBe('2026-11-27T07:00:00.000Z');
  });
});
