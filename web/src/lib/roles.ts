/**
 * Who sees which page. The server enforces every rule again; this only keeps
 * the navigation honest and explains a page a role cannot use.
 */
import type { Role } from '@/gql/graphql';
import { usesCamera } from '@/security-headers';

export interface NavItem {
  href: string;
  label: string;
}

export const NAV = {
  parcels: { href: '/parcels', label: 'My parcels' },
  settings: { href: '/settings', label: 'Settings' },
  desk: { href: '/desk', label: 'Intake desk' },
  recall: { href: '/desk/recall', label: 'Recall & desk' },
  alerts: { href: '/alerts', label: 'Alerts' },
  lockers: { href: '/lockers', label: 'Lockers' },
  people: { href: '/people', label: 'People import' },
  dropoff: { href: '/dropoff', label: 'Drop-off' },
  allParcels: { href: '/parcels/all', label: 'Parcels' },
  kiosks: { href: '/admin/kiosks', label: 'Kiosks' },
  access: { href: '/admin/people', label: 'Roles' },
  assets: { href: '/assets', label: 'Assets' },
  loanRules: { href: '/loan-rules', label: 'Loan rules' },
} as const satisfies Record<string, NavItem>;

/** Each role's pages, its start page (homeFor) first. */
const NAV_BY_ROLE: Record<Role, readonly NavItem[]> = {
  STUDENT: [NAV.parcels, NAV.settings],
  MAILROOM: [NAV.desk, NAV.recall, NAV.allParcels, NAV.alerts, NAV.lockers, NAV.people],
  ADMIN: [
    NAV.lockers,
    NAV.desk,
    NAV.recall,
    NAV.allParcels,
    NAV.alerts,
    NAV.people,
    NAV.assets,
    NAV.loanRules,
    NAV.access,
    NAV.kiosks,
  ],
  IT: [NAV.lockers, NAV.assets, NAV.loanRules, NAV.alerts, NAV.allParcels],
  STAFF: [NAV.lockers, NAV.alerts, NAV.allParcels],
  COURIER: [NAV.dropoff],
  DEPARTMENT: [NAV.allParcels, NAV.lockers, NAV.assets],
};

export function navFor(role: Role): readonly NavItem[] {
  return NAV_BY_ROLE[role] ?? [];
}

/** Roles allowed on each restricted page (pages not listed are open to every signed-in person). */
export const PAGE_ROLES = {
  desk: ['MAILROOM', 'ADMIN'],
  recall: ['MAILROOM', 'ADMIN'],
  people: ['MAILROOM', 'ADMIN'],
  alerts: ['MAILROOM', 'ADMIN', 'IT', 'STAFF'],
  dropoff: ['COURIER', 'MAILROOM', 'ADMIN'],
  allParcels: ['MAILROOM', 'ADMIN', 'DEPARTMENT', 'STAFF', 'IT'],
  /** A bank's page: its controller and its event log (Query.lockerEventLog: operators and the owning department). */
  bankDetails: ['ADMIN', 'IT', 'STAFF', 'MAILROOM', 'DEPARTMENT'],
  kiosks: ['ADMIN'],
  access: ['ADMIN'],
  /** IT's asset register (Query.assets): IT and admins, and a department for the assets it owns. */
  assets: ['IT', 'ADMIN', 'DEPARTMENT'],
  /** Adding, importing (Mutation.createAsset, importAssets). */
  assetsManage: ['IT', 'ADMIN'],
  /** Loan rules (Query.loanPolicies). */
  loanRules: ['IT', 'ADMIN'],
  /** The board's staff menu: overrides (openCompartment). */
  openOverride: ['ADMIN', 'IT', 'MAILROOM'],
  /** The board's staff menu: out of service / back in service. */
  outOfService: ['ADMIN', 'IT', 'MAILROOM', 'STAFF'],
  /** Roles that get the live toast for urgent staff alerts. */
  staffAlerts: ['MAILROOM', 'ADMIN', 'IT', 'STAFF'],
} as const satisfies Record<string, readonly Role[]>;

export function hasRole(role: Role | undefined, allowed: readonly Role[]): boolean {
  return role !== undefined && allowed.includes(role);
}

/**
 * Each role's own start page: where sign-in and `/` take it. The mailroom
 * starts at its desk, a department at its people's parcels, students at their
 * parcels, couriers at drop-off; those who run the lockers (admins, IT, staff)
 * on the board.
 */
export function homeFor(role: Role): string {
  switch (role) {
    case 'STUDENT':
      return NAV.parcels.href;
    case 'COURIER':
      return NAV.dropoff.href;
    case 'MAILROOM':
      return NAV.desk.href;
    case 'DEPARTMENT':
      return NAV.allParcels.href;
    case 'ADMIN':
    case 'IT':
    case 'STAFF':
      return NAV.lockers.href;
    default:
      return NAV.lockers.href;
  }
}

/** A bank's page (controller and event log). */
export function bankHref(bankId: string): string {
  return `${NAV.lockers.href}/${encodeURIComponent(bankId)}`;
}

/** The nav item that matches a path best (longest prefix), for aria-current. */
export function activeHref(pathname: string, items: readonly NavItem[]): string | null {
  let best: string | null = null;
  for (const { href } of items) {
    const matches = href === '/' ? pathname === '/' : pathname === href || pathname.startsWith(`${href}/`);
    if (matches && (best === null || href.length > best.length)) best = href;
  }
  return best;
}

/**
 * Whether going from `pathname` to `href` must be a full page load: the camera
 * is allowed per document (Permissions-Policy), so a camera page needs its own
 * document unless the current one is a camera page already.
 */
export function needsOwnDocument(href: string, pathname: string | null): boolean {
  return usesCamera(href) && !(pathname && usesCamera(pathname));
}
