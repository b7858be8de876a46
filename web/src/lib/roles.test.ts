import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CONFIG_SCRIPT, SHELL_PAGES } from '@/shared/cache-names';
import { activeHref, homeFor, navFor } from './roles';
import { errorCode, errorMessage } from './errors';
import { cameraProblem } from './camera';

describe('navigation by role', () => {
  it('gives each role its pages', () => {
    expect(navFor('STUDENT').map((i) => i.label)).toEqual(['My parcels', 'Settings']);
    expect(navFor('MAILROOM').map((i) => i.href)).toEqual(['/desk', '/desk/recall', '/alerts', '/', '/people']);
    expect(navFor('IT').map((i) => i.label)).toEqual(['Lockers', 'Alerts']);
    expect(navFor('COURIER').map((i) => i.label)).toEqual(['Drop-off']);
    expect(navFor('DEPARTMENT').map((i) => i.label)).toEqual(['Lockers', 'Parcels']);
  });
  it('marks the longest matching entry as current', () => {
    const items = navFor('ADMIN');
    expect(activeHref('/desk/recall', items)).toBe('/desk/recall');
    expect(activeHref('/desk', items)).toBe('/desk');
    expect(activeHref('/', items)).toBe('/');
    expect(activeHref('/settings', items)).toBeNull();
  });
  it('starts students and couriers on their own page', () => {
    expect(homeFor('STUDENT')).toBe('/parcels');
    expect(homeFor('COURIER')).toBe('/dropoff');
    expect(homeFor('IT')).toBe('/');
  });
  it('precaches every static page the navigation links to', () => {
    const pages = new Set<string>(SHELL_PAGES);
    for (const role of ['STUDENT', 'STAFF', 'IT', 'MAILROOM', 'COURIER', 'ADMIN', 'DEPARTMENT'] as const) {
      for (const item of navFor(role)) expect(pages.has(item.href)).toBe(true);
    }
  });
  it('has the service worker build script take the shell pages from src/shared/cache-names.ts, not a copy', () => {
    const script = readFileSync(fileURLToPath(new URL('../../scripts/build-sw.mjs', import.meta.url)), 'utf8');
    expect(script).toContain("path.join(webDir, 'src', 'shared', 'cache-names.ts')");
    expect(script).toMatch(/const \{ SHELL_PAGES, CONFIG_SCRIPT \} = await import\(/);
    expect(script).not.toMatch(/SHELL_PAGES = \[/);
    expect(SHELL_PAGES).toContain('/');
    expect(CONFIG_SCRIPT).toBe('/config.js');
  });
});

describe('errors', () => {
  const gql = (code: string, message = 'm') => ({ graphQLErrors: [{ message, extensions: { code } }] });
  it('reads extensions.code, never the message', () => {
    expect(errorCode(gql('FORBIDDEN', 'RATE_LIMITED'))).toBe('FORBIDDEN');
    expect(errorCode({ networkError: new Error('x'), graphQLErrors: [] })).toBe('NETWORK');
    expect(errorCode(gql('SOMETHING_NEW'))).toBe('UNKNOWN');
    expect(errorCode(null)).toBeNull();
  });
  it('lets the caller word a refusal', () => {
    expect(errorMessage(gql('FORBIDDEN'), { FORBIDDEN: 'Not your bank.' })).toBe('Not your bank.');
    expect(errorMessage(gql('BAD_USER_INPUT', 'Tracking too long.'))).toContain('Tracking too long.');
  });
});

describe('camera problems', () => {
  it('classifies getUserMedia errors', () => {
    expect(cameraProblem({ name: 'NotAllowedError' })).toBe('denied');
    expect(cameraProblem({ name: 'NotFoundError' })).toBe('no-camera');
    expect(cameraProblem({ name: 'NotReadableError' })).toBe('busy');
    expect(cameraProblem(new Error('x'))).toBe('failed');
  });
});
