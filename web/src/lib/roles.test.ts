import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Role } from '@/gql/graphql';
import { CONFIG_SCRIPT, SHELL_PAGES } from '@/shared/cache-names';
import { activeHref, bankHref, homeFor, navFor, PAGE_ROLES } from './roles';
import { errorCode, errorMessage } from './errors';
import { cameraProblem } from './camera';

const ROLES: readonly Role[] = ['STUDENT', 'STAFF', 'IT', 'MAILROOM', 'COURIER', 'ADMIN', 'DEPARTMENT'];

describe('navigation by role', () => {
  it('gives each role its pages, its start page first', () => {
    expect(navFor('STUDENT').map((i) => i.label)).toEqual(['My parcels', 'Settings']);
    expect(navFor('MAILROOM').map((i) => i.href)).toEqual([
      '/desk',
      '/desk/recall',
      '/parcels/all',
      '/alerts',
      '/lockers',
      '/people',
    ]);
    expect(navFor('IT').map((i) => i.label)).toEqual(['Lockers', 'Assets', 'Loan rules', 'Alerts', 'Parcels']);
    expect(navFor('STAFF').map((i) => i.label)).toEqual(['Lockers', 'Alerts', 'Parcels']);
    expect(navFor('COURIER').map((i) => i.label)).toEqual(['Drop-off']);
    expect(navFor('DEPARTMENT').map((i) => i.label)).toEqual(['Parcels', 'Lockers', 'Assets']);
    for (const role of ROLES) expect(navFor(role)[0]?.href, role).toBe(homeFor(role));
  });
  it('lists all parcels in every staff menu that may see them', () => {
    for (const role of PAGE_ROLES.allParcels)
      expect(
        navFor(role).map((i) => i.href),
        role,
      ).toContain('/parcels/all');
  });
  it('marks the longest matching entry as current, the board for a bank page too', () => {
    const items = navFor('ADMIN');
    expect(activeHref('/desk/recall', items)).toBe('/desk/recall');
    expect(activeHref('/desk', items)).toBe('/desk');
    expect(activeHref('/lockers', items)).toBe('/lockers');
    expect(activeHref(bankHref('bank_1'), items)).toBe('/lockers');
    expect(activeHref('/parcels/all', items)).toBe('/parcels/all');
    expect(activeHref('/', items)).toBeNull();
    expect(activeHref('/settings', items)).toBeNull();
  });
  it('starts each role on its own page', () => {
    expect(homeFor('STUDENT')).toBe('/parcels');
    expect(homeFor('COURIER')).toBe('/dropoff');
    expect(homeFor('MAILROOM')).toBe('/desk');
    expect(homeFor('DEPARTMENT')).toBe('/parcels/all');
    expect(homeFor('IT')).toBe('/lockers');
    expect(homeFor('STAFF')).toBe('/lockers');
    expect(homeFor('ADMIN')).toBe('/lockers');
  });
  it('lets every start page be opened by its role', () => {
    expect(PAGE_ROLES.desk).toContain('MAILROOM');
    expect(PAGE_ROLES.allParcels).toContain('DEPARTMENT');
    expect(PAGE_ROLES.dropoff).toContain('COURIER');
  });
  it('precaches every static page the navigation links to', () => {
    const pages = new Set<string>(SHELL_PAGES);
    for (const role of ROLES) {
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
