import { describe, expect, it } from 'vitest';
import { CommandMemory, decideOpen } from './commands.js';

const NOW = Date.parse('2026-11-27T08:00:00.000Z');
const labels = new Set(['A01', 'A02']);
const command = (over: Partial<{ compartmentLabel: string; expiresAt: string; ttlMs: number }> = {}) => ({
  compartmentLabel: 'A01',
  expiresAt: new Date(NOW + 30_000).toISOString(),
  ttlMs: 30_000,
  ...over,
});

describe('decideOpen', () => {
  it('opens a known compartment within its ttl', () => {
    expect(decideOpen(command(), { receivedAt: NOW, now: NOW, labels })).toBe('OPENED');
  });

  it('expires once ttlMs has run out counting from receipt, whatever expiresAt says', () => {
    const ctx = { receivedAt: NOW, labels };
    expect(decideOpen(command({ ttlMs: 1000 }), { ...ctx, now: NOW + 999 })).toBe('OPENED');
    expect(decideOpen(command({ ttlMs: 1000 }), { ...ctx, now: NOW + 1000 })).toBe('EXPIRED');
    expect(decideOpen(command({ ttlMs: 0 }), { ...ctx, now: NOW })).toBe('EXPIRED');
  });

  it('expires when expiresAt has passed (or is unreadable)', () => {
    const ctx = { receivedAt: NOW, now: NOW, labels };
    expect(decideOpen(command({ expiresAt: new Date(NOW - 1).toISOString() }), ctx)).toBe('EXPIRED');
    expect(decideOpen(command({ expiresAt: 'soon' }), ctx)).toBe('EXPIRED');
  });

  it('checks expiry before the label: an expired command is never acted on', () => {
    expect(decideOpen(command({ compartmentLabel: 'Z9', ttlMs: 0 }), { receivedAt: NOW, now: NOW, labels })).toBe(
      'EXPIRED',
    );
  });

  it('answers UNKNOWN_COMPARTMENT for a label the bank lacks, FAILED for a jammed lock', () => {
    const ctx = { receivedAt: NOW, now: NOW, labels, jammed: new Set(['A02']) };
    expect(decideOpen(command({ compartmentLabel: 'A99' }), ctx)).toBe('UNKNOWN_COMPARTMENT');
    expect(decideOpen(command({ compartmentLabel: 'A02' }), ctx)).toBe('FAILED');
  });
});

describe('CommandMemory', () => {
  it('remembers outcomes and forgets the oldest beyond its limit', () => {
    const memory = new CommandMemory(3);
    memory.set('a', 'OPENED');
    memory.set('b', 'EXPIRED');
    memory.set('c', 'IN_PROGRESS');
    memory.set('a', 'OPENED'); // refreshed: now the newest
    memory.set('d', 'FAILED');
    expect(memory.get('b')).toBeUndefined();
    expect(memory.get('a')).toBe('OPENED');
    expect(memory.get('c')).toBe('IN_PROGRESS');
    expect(memory.get('d')).toBe('FAILED');
  });
});
