/**
 * Scope helpers: what a granted scope reaches. Every field that leads from an
 * object the viewer may see to another (a parcel to its bank, a person to a
 * preferred bank, a site to its banks …) asks these, so a department never
 * reaches another department's bank by a side door.
 */
import type { Viewer } from '../people/types.js';
import { grantOf, type Principal } from './authorize.js';
import type { Operation, Scope } from './matrix.js';

/** Which banks a principal may see: all, those of its department, its own one, or none. */
export type BankScope =
  { kind: 'all' } | { kind: 'department'; department: string } | { kind: 'bank'; bankId: string } | { kind: 'none' };

const NONE: BankScope = { kind: 'none' };

/** The banks a granted scope covers for this principal. `own` and the people scopes cover no bank by themselves. */
export function bankScopeFor(principal: Principal, scope: Scope | null): BankScope {
  if (!principal || !scope) return NONE;
  switch (scope) {
    case 'all':
      return { kind: 'all' };
    case 'department':
      return 'role' in principal && principal.department
        ? { kind: 'department', department: principal.department }
        : NONE;
    case 'bank': {
      const bankId = principal.bankId;
      return bankId ? { kind: 'bank', bankId } : NONE;
    }
    default:
      return NONE;
  }
}

/** The bank scope `op` grants the principal. */
export const bankScopeOf = (principal: Principal, op: Operation): BankScope =>
  bankScopeFor(principal, grantOf(principal, op));

/**
 * The banks a principal may see anywhere: in lists, live updates, and through
 * every field that leads to a bank. Those it could list (`Query.lockerBanks`).
 */
export const bankScope = (principal: Principal): BankScope => bankScopeOf(principal, 'Query.lockerBanks');

export function inScope(scope: BankScope, bank: { id: string; department: string | null }): boolean {
  switch (scope.kind) {
    case 'all':
      return true;
    case 'department':
      return bank.department === scope.department;
    case 'bank':
      return bank.id === scope.bankId;
    case 'none':
      return false;
  }
}

/** The event log says who and when: whom `Query.lockerEvents` grants, for the banks of its scope. */
export const canReadEvents = (viewer: Viewer | null, bank: { id: string; department: string | null }) =>
  inScope(bankScopeOf(viewer, 'Query.lockerEvents'), bank);

/** Runs the lockers and sees every parcel, person and bank: those `Query.parcels` grants everything. */
export const isOperator = (viewer: Viewer | null): boolean => grantOf(viewer, 'Query.parcels') === 'all';

const beyondScope = new WeakSet<object>();

/**
 * A copy of a row the viewer may see although it lies outside its bank
 * scope, because the path to it grants that: a collector always sees where
 * its own parcel is (its notice names the place anyway), even at another
 * department's bank. Fields below it (Compartment.bank) honour the grant.
 */
export function grantBeyondScope<T extends object>(row: T): T {
  const copy = { ...row };
  beyondScope.add(copy);
  return copy;
}

export const isGrantedBeyondScope = (row: object) => beyondScope.has(row);
