import { describe, expect, it } from 'vitest';
import { parseSession } from './session';
import { retryDelayMs } from './urql';
import { normaliseCode } from '@/features/sign-in/messages';

const session = {
  token: 't',
  expiresAt: '2026-12-01T00:00:00.000Z',
  person: { id: 'p1', name: 'Ada', email: 'ada@example.edu', role: 'ADMIN' },
};

describe('parseSession', () => {
  const now = Date.parse('2026-11-27T00:00:00.000Z');
  it('reads a stored session', () => {
    expect(parseSession(JSON.stringify(session), now)).toEqual(session);
  });
  it('treats expired, malformed or missing sessions as signed out', () => {
    expect(parseSession(JSON.stringify(session), Date.parse('2026-12-02T00:00:00.000Z'))).toBeNull();
    expect(parseSession('{nope', now)).toBeNull();
    expect(parseSession(JSON.stringify({ token: 't' }), now)).toBeNull();
    expect(parseSession(null, now)).toBeNull();
  });
});

describe('retryDelayMs', () => {
  it('backs off and caps', () => {
    const mid = () => 0.5;
    expect(retryDelayMs(0, mid)).toBe(1000);
    expect(retryDelayMs(3, mid)).toBe(8000);
    expect(retryDelayMs(50, mid)).toBe(15000);
  });
});

describe('sign-in code helpers', () => {
  it('keeps six digits', () => {
    expect(normaliseCode('123 456')).toBe('123456');
    expect(normaliseCode('12345678')).toBe('123456');
  });
});
