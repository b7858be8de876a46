/**
 * The one check services make before they act: does the matrix let this
 * principal call this operation, and with what scope.
 *
 *   const v = authorize(viewer, 'Mutation.importPeople');     // throws, or the viewer
 *   const scope = grantOf(v, 'Mutation.importPeople');         // 'all' | 'contacts'
 */
import type { DeviceIdentity } from '../devices/types.js';
import type { Viewer } from '../people/types.js';
import { forbidden, unauthenticated } from '../shared/errors.js';
import { MATRIX, PRINCIPALS, type Operation, type PrincipalKind, type Row, type Scope } from './matrix.js';

/** Whoever makes a request: a person or kiosk (a viewer), a controller (a device), or nobody. */
export type Principal = Viewer | DeviceIdentity | null;

const isViewer = (p: Viewer | DeviceIdentity): p is Viewer => 'role' in p;

export function principalKind(principal: Principal): PrincipalKind {
  if (!principal) return 'ANONYMOUS';
  return isViewer(principal) ? principal.role : 'CONTROLLER';
}

/** The scope the matrix grants, or null when it does not let the principal call the operation. */
export function grantOf(principal: Principal, op: Operation): Scope | null {
  return (MATRIX[op] as Row)[principalKind(principal)] ?? null;
}

/** Who the matrix lets call an operation, e.g. for an error message or a test. */
export function allowedFor(op: Operation): PrincipalKind[] {
  return PRINCIPALS.filter((p) => (MATRIX[op] as Row)[p]);
}

function refuse(principal: Principal, op: Operation): never {
  if (!principal) throw unauthenticated();
  const who = allowedFor(op).filter((p) => p !== 'ANONYMOUS');
  throw forbidden(who.length ? `Only ${who.join(', ')} may do this.` : 'No one may do this.');
}

/**
 * Throws unless the matrix lets the principal call `op` (UNAUTHENTICATED for
 * nobody, FORBIDDEN for everyone else); returns the scope granted. The
 * principal may be anonymous when the row allows it.
 */
export function checkAccess(principal: Principal, op: Operation): Scope {
  const scope = grantOf(principal, op);
  if (!scope) refuse(principal, op);
  return scope;
}

/**
 * `checkAccess` for operations that need someone: the principal back, never
 * null (anonymous callers get UNAUTHENTICATED even where a row would let them
 * in — use `checkAccess` there).
 */
export function authorize(principal: Viewer | null, op: Operation): Viewer;
export function authorize(principal: DeviceIdentity | null, op: Operation): DeviceIdentity;
export function authorize(principal: Principal, op: Operation): Viewer | DeviceIdentity;
export function authorize(principal: Principal, op: Operation): Viewer | DeviceIdentity {
  checkAccess(principal, op);
  if (!principal) throw unauthenticated();
  return principal;
}

/**
 * `authorize` for the device protocol: the controller's identity. Over
 * graphql-ws a controller is authenticated for its own operations only; to
 * every other operation it comes as nobody (services see no viewer).
 */
export function authorizeController(principal: Principal, op: Operation): DeviceIdentity {
  const p = authorize(principal, op);
  if (isViewer(p)) refuse(p, op);
  return p;
}
