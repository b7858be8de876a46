/**
 * What each role may see of the lockers. Decided per viewer, once per request
 * or subscription, so live fan-out stays a pure function of the event.
 */
import type { Viewer } from '../people/types.js';
import { isOperator } from '../people/policy.js';
import type { BankRow } from './types.js';

/** Which banks a viewer may see: all, or those of their department. */
export type BankScope =
  { kind: 'all' } | { kind: 'department'; department: string } | { kind: 'bank'; bankId: string } | { kind: 'none' };

export function bankScope(viewer: Viewer): BankScope {
  if (viewer.role === 'KIOSK') return viewer.bankId ? { kind: 'bank', bankId: viewer.bankId } : { kind: 'none' };
  if (isOperator(viewer)) return { kind: 'all' };
  if (viewer.role === 'DEPARTMENT') {
    return viewer.department ? { kind: 'department', department: viewer.department } : { kind: 'none' };
  }
  // Students and couriers see where the lockers are and what is free; their
  // own parcels and drop-off permissions narrow what they can act on.
  return { kind: 'all' };
}

export function inScope(scope: BankScope, bank: Pick<BankRow, 'id' | 'department'>): boolean {
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

/** The event log says who and when: operators and the owning department only. */
export function canReadEvents(viewer: Viewer, bank: Pick<BankRow, 'department'>): boolean {
  if (isOperator(viewer)) return true;
  return viewer.role === 'DEPARTMENT' && !!viewer.department && bank.department === viewer.department;
}
