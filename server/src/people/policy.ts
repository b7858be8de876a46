/**
 * Who may do what. One place, so the rules can be read and tested together.
 */
import { forbidden, unauthenticated } from '../shared/errors.js';
import type { Role, Viewer } from './types.js';

/** Roles that run the lockers and see every bank, every parcel and the event log. */
export const OPERATOR_ROLES: readonly Role[] = ['ADMIN', 'IT', 'STAFF', 'MAILROOM'];

export const isOperator = (viewer: Viewer) => (OPERATOR_ROLES as readonly string[]).includes(viewer.role);

export function requireViewer(viewer: Viewer | null): Viewer {
  if (!viewer) throw unauthenticated();
  return viewer;
}

export function requireRole(viewer: Viewer | null, roles: readonly Role[]): Viewer {
  const v = requireViewer(viewer);
  if (!(roles as readonly string[]).includes(v.role)) throw forbidden(`Only ${roles.join(', ')} may do this.`);
  return v;
}
