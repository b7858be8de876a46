import { describe, expect, it } from 'vitest';
import { httpUrl, wsUrl } from './config';

describe('API URLs', () => {
  const page = { href: 'https://lockers.example.edu/sign-in' };

  it('derives ws:// from an absolute http URL', () => {
    expect(wsUrl('http://localhost:4000/graphql', page)).toBe('ws://localhost:4000/graphql');
  });

  it('derives wss:// from a relative URL on an https page', () => {
    expect(httpUrl('/graphql', page)).toBe('https://lockers.example.edu/graphql');
    expect(wsUrl('/graphql', page)).toBe('wss://lockers.example.edu/graphql');
  });

  it('keeps ports and paths', () => {
    expect(wsUrl('/api/graphql', { href: 'http://10.0.0.5:8080/' })).toBe('ws://10.0.0.5:8080/api/graphql');
  });
});
