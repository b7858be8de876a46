import { describe, expect, it } from 'vitest';
import type { Viewer } from '../people/types.js';
import { authorize, authorizeController, checkAccess, grantOf } from './authorize.js';
import { MATRIX, PRINCIPALS, SCOPES, type Operation, type Row } from './matrix.js';
import { maskEmail, personView } from './person-view.js';
import { bankScope, inScope } from './scope.js';

const viewer = (role: Viewer['role'], extra: Partial<Viewer> = {}): Viewer => ({
  personId: `per_${role}`,
  role,
  department: null,
  tokenId: 'tok',
  ...extra,
});
const controller = { bankId: 'bank_c', generation: 1 };
const codeOf = (fn: () => unknown) => {
  try {
    fn();
    return 'ok';
  } catch (err) {
    return (err as { extensions?: { code?: string } }).extensions?.code;
  }
};

describe('the role × operation matrix', () => {
  it('names only known principals and scopes', () => {
    for (const [op, row] of Object.entries(MATRIX) as [Operation, Row][]) {
      for (const [principal, scope] of Object.entries(row)) {
        expect(PRINCIPALS, op).toContain(principal);
        expect(SCOPES, op).toContain(scope);
      }
    }
  });

  it('treats a controller as nobody outside the device protocol', () => {
    for (const [op, row] of Object.entries(MATRIX) as [Operation, Row][]) {
      if (row.CONTROLLER === 'bank') continue;
      expect(row.CONTROLLER, op).toBe(row.ANONYMOUS);
    }
  });

  it('refuses nobody with UNAUTHENTICATED and everyone else with FORBIDDEN', () => {
    expect(codeOf(() => authorize(null, 'Mutation.importPeople'))).toBe('UNAUTHENTICATED');
    expect(codeOf(() => authorize(viewer('STUDENT'), 'Mutation.importPeople'))).toBe('FORBIDDEN');
    expect(codeOf(() => authorize(viewer('KIOSK', { bankId: 'b' }), 'Mutation.importPeople'))).toBe('FORBIDDEN');
    expect(codeOf(() => authorize(controller, 'Mutation.importPeople'))).toBe('FORBIDDEN');
    expect(codeOf(() => authorizeController(viewer('ADMIN'), 'Mutation.reportLockerEvents'))).toBe('FORBIDDEN');
    expect(authorizeController(controller, 'Mutation.reportLockerEvents')).toBe(controller);
    // Where a row lets nobody in, checkAccess answers; authorize still wants someone.
    expect(checkAccess(null, 'Query.me')).toBe('own');
    expect(codeOf(() => authorize(null, 'Query.me'))).toBe('UNAUTHENTICATED');
  });

  it('grants the scope its row names', () => {
    expect(grantOf(viewer('ADMIN'), 'Mutation.importPeople')).toBe('all');
    expect(grantOf(viewer('MAILROOM'), 'Mutation.importPeople')).toBe('contacts');
    expect(grantOf(viewer('COURIER'), 'Query.people')).toBe('exact-match');
    expect(grantOf(viewer('STUDENT'), 'Query.people')).toBeNull();
    const a = { id: 'bank_a', department: 'Alpha' };
    const b = { id: 'bank_b', department: 'Bravo' };
    expect(inScope(bankScope(viewer('DEPARTMENT', { department: 'Alpha' })), a)).toBe(true);
    expect(inScope(bankScope(viewer('DEPARTMENT', { department: 'Alpha' })), b)).toBe(false);
    expect(inScope(bankScope(viewer('DEPARTMENT')), a)).toBe(false);
    expect(inScope(bankScope(viewer('KIOSK', { bankId: 'bank_b' })), b)).toBe(true);
    expect(inScope(bankScope(viewer('KIOSK', { bankId: 'bank_b' })), a)).toBe(false);
    expect(inScope(bankScope(null), a)).toBe(false);
  });
});

describe('what a viewer sees of a person', () => {
  const alice = { id: 'per_alice', department: 'Alpha' };
  it('is everything for themselves and operators, contact details for their department, a name otherwise', () => {
    expect(personView(viewer('STUDENT', { personId: alice.id }), alice)).toBe('self');
    expect(personView(viewer('MAILROOM'), alice)).toBe('full');
    expect(personView(viewer('DEPARTMENT', { department: 'Alpha' }), alice)).toBe('contact');
    expect(personView(viewer('DEPARTMENT', { department: 'Bravo' }), alice)).toBe('none');
    expect(personView(viewer('COURIER'), alice)).toBe('name');
    expect(personView(viewer('STUDENT'), alice)).toBe('name');
    expect(personView(viewer('KIOSK', { personId: '' }), alice)).toBe('none');
    expect(personView(null, alice)).toBe('none');
  });

  it('masks an e-mail address to its first letter and domain', () => {
    expect(maskEmail('alice@uni.edu')).toBe('a•••@uni.edu');
    expect(maskEmail('not-an-address')).toBe('•••');
  });
});
