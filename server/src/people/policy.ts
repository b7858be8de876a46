/**
 * Superseded by the role × operation matrix (server/src/access/): services call
 * `authorize(viewer, 'Mutation.x')`. Kept so code written against it still
 * compiles while branches merge; new checks belong in the matrix.
 */
import { forbidden, unauthenticated } from '../shared/errors.js';
import type { Role, Viewer } from './types.js';

export { isOperator } from '../access/scope.js';

/** Roles that run the lockers and see every bank, every parcel and the event log (`Query.parcels: all`). */
export const OPERATOR_ROLES: readonly Role[] = ['ADMIN', 'IT', 'STAFF', 'MAILROOM'];

/** @deprecated Use `authorize(viewer, operation)` from access/authorize.ts. */
export function requireViewer(viewer: Viewer | null): Viewer {
  if (!viewer) throw unauthenticated();
  return viewer;
}

/** @deprecated Use `authorize(viewer, operation)` from access/authorize.ts: the roles belong in the matrix. */
export function requireRole(viewer: Viewer | null, roles: readonly Role[]): Viewer {
  const v = requireViewer(viewer);
  if (!(roles as readonly string[]).includes(v.role)) throw forbidden(`Only ${roles.join(', ')} may do this.`);
  return v;
}
