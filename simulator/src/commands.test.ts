import { describe, expect, it } from 'vitest';
import { COMMAND_MEMORY_MS, CommandMemory, decideOpen } from './commands.js';

const NOW = 1_000_000; // a monotonic clock, not a date
const labels = new Set(['A01', 'A02']);
const command = (over: Partial<{ compartmentLabel: string; ttlMs: number }> = {}) => ({
  compartmentLabel: 'A01',
  ttlMs: 30_000,
  ...over,
});

describe('decideOpen', () => {
  it('opens a known compartment within its ttl', () => {
    expect(decideOpen(command(), { receivedAt: NOW, now: NOW, labels })).toBe('OPENED');
  });

  it('expires once ttlMs has run out counting from receipt, and only then', () => {
    const ctx = { receivedAt: NOW, labels };
    expect(decideOpen(command({ ttlMs: 1000 }), { ...ctx, now: NOW + 999 })).toBe('OPENED');
    expect(decideOpen(command({ ttlMs: 1000 }), { ...ctx, now: NOW + 1000 })).toBe('EXPIRED');
    expect(decideOpen(command({ ttlMs: 0 }), { ...ctx, now: NOW })).toBe('EXPIRED');
    expect(decideOpen(command({ ttlMs: -5 }), { ...ctx, now: NOW })).toBe('EXPIRED');
  });

  it('takes a ttl beyond 2^31 ms (a SafeInt) as weeks, not as already run out', () => {
    const weeks = 2 ** 31 + 5_000;
    const ctx = { receivedAt: NOW, labels };
    expect(decideOpen(command({ ttlMs: weeks }), { ...ctx, now: NOW + 2 ** 31 })).toBe('OPENED');
    expect(decideOpen(command({ ttlMs: weeks }), { ...ctx, now: NOW + weeks })).toBe('EXPIRED');
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
  function memoryAt(start = 0) {
    let now = start;
    const memory = new CommandMemory({ now: () => now });
    return { memory, advance: (ms: number) => (now += ms) };
  }

  it('keeps every id for at least 10 minutes, however many arrive', () => {
    const { memory, advance } = memoryAt();
    memory.set('first', 'OPENED');
    for (let i = 0; i < 5000; i++) memory.set(`cmd-${i}`, 'OPENED');
    advance(COMMAND_MEMORY_MS - 1);
    expect(memory.get('first')).toBe('OPENED');
    advance(2);
    memory.set('later', 'FAILED');
    expect(memory.get('first')).toBeUndefined();
    expect(memory.size).toBe(1);
  });

  it('keeps an id as long as its command was valid when it arrived (a revocation lasting weeks)', () => {
    const { memory, advance } = memoryAt();
    const weeks = 21 * 24 * 3_600_000;
    memory.set('revoke', 'DONE', weeks);
    memory.set('open', 'OPENED', 30_000);
    advance(weeks - 1);
    expect(memory.get('revoke')).toBe('DONE');
    expect(memory.get('open')).toBeUndefined();
  });

  it('updates an outcome without shortening how long the id is kept', () => {
    const { memory, advance } = memoryAt();
    memory.set('a', 'IN_PROGRESS', 60 * 60_000);
    advance(1000);
    memory.set('a', 'OPENED');
    advance(30 * 60_000);
    expect(memory.get('a')).toBe('OPENED');
  });
});
