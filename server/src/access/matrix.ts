/**
 * Who may call what: one row per root field of schema.graphql, written once as
 * data. Services consult it through `authorize` (./authorize.ts); the role
 * matrix test (server/test/role-matrix.test.ts) calls every operation as every
 * principal and checks the outcome this table states, and fails when the
 * schema has an operation without a row (or a row names no operation).
 * TypeScript checks the same thing at build time: `MATRIX` must have exactly
 * the keys of the generated Query, Mutation and Subscription resolvers.
 *
 * A principal absent from a row may not call the operation: ANONYMOUS gets
 * UNAUTHENTICATED, everyone else FORBIDDEN. A present principal gets the
 * scope named, which the service then applies to what it reads or writes.
 *
 * A controller is authenticated for the device protocol only (its rows say
 * `CONTROLLER: 'bank'`); to every other operation its connection comes as
 * nobody, so there its column equals ANONYMOUS's (the unit spec checks that).
 */
import type { MutationResolvers, QueryResolvers, SubscriptionResolvers } from '../generated/graphql.js';
import { ROLES } from '../../../drizzle/schema/people.js';

/**
 * Who makes a request: a person by role, a kiosk (acting for its bank), a
 * locker controller (a device connection over graphql-ws), or nobody.
 */
export const PRINCIPALS = [...ROLES, 'KIOSK', 'CONTROLLER', 'ANONYMOUS'] as const;
export type PrincipalKind = (typeof PRINCIPALS)[number];

/**
 * What a granted principal reaches:
 * - `all`: everything the operation covers.
 * - `department`: the banks of the viewer's department and the parcels of its people.
 * - `bank`: the kiosk's or the controller's own bank.
 * - `own`: the principal's own things: its parcels (as recipient or proxy), its
 *   settings, itself; for a courier's intake, the banks an admin assigned it.
 * - `exact-match`: a courier's recipient lookup: only an exact e-mail, student
 *   id or full name finds someone, and only their id and name are shown.
 * - `contacts`: a mailroom import: adds people as STUDENT and updates existing
 *   people's contact fields, never a role or an existing person's department.
 */
export const SCOPES = ['all', 'department', 'bank', 'own', 'exact-match', 'contacts'] as const;
export type Scope = (typeof SCOPES)[number];

export type Row = Readonly<Partial<Record<PrincipalKind, Scope>>>;

export type Operation =
  | `Query.${Extract<keyof QueryResolvers, string>}`
  | `Mutation.${Extract<keyof MutationResolvers, string>}`
  | `Subscription.${Extract<keyof SubscriptionResolvers, string>}`;

// --- groups the rows are made of ----------------------------------------------

/** Run the lockers: every bank, every parcel, the event log and the alerts. */
const OPERATORS = { ADMIN: 'all', IT: 'all', STAFF: 'all', MAILROOM: 'all' } as const satisfies Row;
const ADMIN = { ADMIN: 'all' } as const satisfies Row;
const DESK = { ADMIN: 'all', MAILROOM: 'all' } as const satisfies Row;
/** University IT's asset register and handouts. */
const IT_DESK = { ADMIN: 'all', IT: 'all' } as const satisfies Row;
const ASSET_READERS = { ...IT_DESK, DEPARTMENT: 'department' } as const satisfies Row;

/** Any signed-in person, for their own things. */
const PERSON_OWN = {
  STUDENT: 'own',
  STAFF: 'own',
  IT: 'own',
  MAILROOM: 'own',
  COURIER: 'own',
  ADMIN: 'own',
  DEPARTMENT: 'own',
} as const satisfies Row;

/** Where the lockers are and what is free: everyone signed in; a department its banks, a kiosk its bank. */
const SEES_BANKS = {
  STUDENT: 'all',
  STAFF: 'all',
  IT: 'all',
  MAILROOM: 'all',
  COURIER: 'all',
  ADMIN: 'all',
  DEPARTMENT: 'department',
  KIOSK: 'bank',
} as const satisfies Row;

/**
 * Everyone signed in, for what is no one's in particular (a site's opening
 * hours, the fault list a return picks from); a kiosk for its own bank's site.
 */
const SIGNED_IN = Object.fromEntries(ROLES.map((r) => [r, 'all'])) as Record<(typeof ROLES)[number], 'all'>;

/** Public: keys, sign-in. Nobody can be refused, so services do not check these rows. */
const PUBLIC = Object.fromEntries(PRINCIPALS.map((p) => [p, 'all'])) as Record<PrincipalKind, 'all'>;

/** Answers about the caller itself, with an empty answer (null, false) for those who are not what it asks. */
const ABOUT_ME = Object.fromEntries(PRINCIPALS.map((p) => [p, 'own'])) as Record<PrincipalKind, 'own'>;

/** At the locker: the kiosk's screen and the controller's keypad and scanner, for their own bank. */
const AT_THE_LOCKER = { KIOSK: 'bank', CONTROLLER: 'bank' } as const satisfies Row;
const CONTROLLER = { CONTROLLER: 'bank' } as const satisfies Row;

// --- the matrix ---------------------------------------------------------------

export const MATRIX = {
  // Queries
  'Query.me': ABOUT_ME,
  'Query.sites': SEES_BANKS,
  'Query.lockerBanks': SEES_BANKS,
  'Query.lockerBank': SEES_BANKS,
  'Query.lockerEvents': { ...OPERATORS, DEPARTMENT: 'department' },
  /** The whole log, paged; also governs LockerBank.controller (what the controller said about itself). */
  'Query.lockerEventLog': { ...OPERATORS, DEPARTMENT: 'department' },
  /** Every mail the server would have sent, to anyone: admins only, and only with DEV_OUTBOX on. */
  'Query.devOutbox': ADMIN,
  'Query.myParcels': PERSON_OWN,
  'Query.parcels': { ...OPERATORS, DEPARTMENT: 'department' },
  /** Students and couriers see their own (a courier: those it took in); a department its people's. */
  'Query.parcel': { ...PERSON_OWN, ...OPERATORS, DEPARTMENT: 'department' },
  'Query.people': { ...OPERATORS, COURIER: 'exact-match' },
  'Query.staffAlerts': OPERATORS,
  'Query.doorOpenings': { ...PERSON_OWN, ...OPERATORS, DEPARTMENT: 'department' },
  'Query.myNotificationSettings': PERSON_OWN,
  'Query.pushPublicKey': PUBLIC,
  /** Null for anyone but a kiosk: a kiosk screen learns from it that its credential stopped working. */
  'Query.kioskSession': ABOUT_ME,
  'Query.pickupKeys': PUBLIC,
  'Query.kioskCredentials': ADMIN,
  'Query.credentialAttempts': OPERATORS,
  /** IT's register: IT and admins every asset, a department the assets it owns. */
  'Query.assets': ASSET_READERS,
  'Query.asset': ASSET_READERS,
  'Query.assetsCsv': ASSET_READERS,
  /** Loan rules are IT's: who may borrow what, for how long. */
  'Query.loanPolicies': IT_DESK,
  'Query.myLoans': PERSON_OWN,
  /** IT and admins every loan (the overdue list), a department its people's. */
  'Query.loans': ASSET_READERS,
  'Query.handouts': IT_DESK,
  'Query.myWaitlist': PERSON_OWN,
  'Query.myBookings': PERSON_OWN,
  'Query.bookings': IT_DESK,
  'Query.campaigns': IT_DESK,
  'Query.campaign': IT_DESK,
  /** What the self-service pool holds at a bank: whoever sees the bank. */
  'Query.loanerPool': SEES_BANKS,
  'Query.effectiveLoanPolicy': IT_DESK,
  /** A site's opening hours and closed days: a student sees them, a kiosk its own site's. */
  'Query.siteCalendar': { ...SIGNED_IN, KIOSK: 'bank' },
  /** Whom overdue loans escalate to: IT's. */
  'Query.departmentContacts': IT_DESK,
  /** The faults a return picks from: a student picks one at the kiosk. */
  'Query.assetFaults': { ...SIGNED_IN, KIOSK: 'all' },

  // Mutations
  'Mutation.requestSignInCode': PUBLIC,
  'Mutation.signIn': PUBLIC,
  /** Nobody (a dead token, a controller): answers false, as there is no one to sign out. */
  'Mutation.signOut': { ...PERSON_OWN, ANONYMOUS: 'own', CONTROLLER: 'own' },
  'Mutation.createSite': ADMIN,
  'Mutation.createLockerBank': ADMIN,
  'Mutation.rotateDeviceToken': ADMIN,
  'Mutation.openCompartment': { ADMIN: 'all', IT: 'all', MAILROOM: 'all' },
  'Mutation.intakeParcel': { ...DESK, COURIER: 'own' },
  'Mutation.redeemPickupCode': AT_THE_LOCKER,
  'Mutation.redeemPickupQr': AT_THE_LOCKER,
  'Mutation.openMyParcel': PERSON_OWN,
  'Mutation.extendParcelHold': PERSON_OWN,
  'Mutation.shareParcelPickup': PERSON_OWN,
  /** A person for a parcel they collect (operators: any door); a kiosk for a door of its bank. */
  'Mutation.reportDoorDidNotOpen': { ...PERSON_OWN, ...OPERATORS, KIOSK: 'bank' },
  'Mutation.openForRecall': DESK,
  'Mutation.handOverAtDesk': DESK,
  'Mutation.setCompartmentOutOfService': OPERATORS,
  'Mutation.resolveStaffAlert': OPERATORS,
  'Mutation.importPeople': { ADMIN: 'all', MAILROOM: 'contacts' },
  'Mutation.updateMyPreferences': PERSON_OWN,
  'Mutation.registerPushSubscription': PERSON_OWN,
  'Mutation.removePushDevice': PERSON_OWN,
  'Mutation.createKioskCredential': ADMIN,
  'Mutation.revokeKioskCredential': ADMIN,
  'Mutation.rotateKioskCredential': ADMIN,
  /** The one way a role changes. */
  'Mutation.setPersonRole': ADMIN,
  'Mutation.setPersonDisabled': ADMIN,
  'Mutation.createAsset': IT_DESK,
  'Mutation.updateAsset': IT_DESK,
  'Mutation.setAssetStatus': IT_DESK,
  'Mutation.importAssets': IT_DESK,
  'Mutation.saveLoanPolicy': IT_DESK,
  'Mutation.createHandout': IT_DESK,
  'Mutation.loadHandout': IT_DESK,
  'Mutation.cancelHandout': IT_DESK,
  'Mutation.collectReturn': IT_DESK,
  'Mutation.checkInAsset': IT_DESK,
  'Mutation.bulkCheckIn': IT_DESK,
  /** A person opens their own handout's door from the app. */
  'Mutation.openMyHandout': PERSON_OWN,
  /** The person, for their own loan; IT for anyone's. */
  'Mutation.startReturn': { ...PERSON_OWN, ...IT_DESK },
  'Mutation.renewLoan': { ...PERSON_OWN, ...IT_DESK },
  'Mutation.borrowLoaner': PERSON_OWN,
  'Mutation.swapDevice': PERSON_OWN,
  'Mutation.acceptLoanAgreement': PERSON_OWN,
  'Mutation.joinWaitlist': PERSON_OWN,
  'Mutation.leaveWaitlist': PERSON_OWN,
  'Mutation.bookLoaners': PERSON_OWN,
  'Mutation.cancelBooking': { ...PERSON_OWN, ...IT_DESK },
  'Mutation.loadForBooking': IT_DESK,
  'Mutation.planCampaign': IT_DESK,
  'Mutation.prepareCampaign': IT_DESK,
  'Mutation.deleteLoanPolicy': IT_DESK,
  'Mutation.setSiteHours': IT_DESK,
  'Mutation.addBlackoutDay': IT_DESK,
  'Mutation.removeBlackoutDay': IT_DESK,
  'Mutation.setDepartmentContact': IT_DESK,
  'Mutation.addAssetFault': IT_DESK,
  'Mutation.removeAssetFault': IT_DESK,
  'Mutation.setCourierBanks': ADMIN,
  'Mutation.reportLockerEvents': CONTROLLER,
  'Mutation.acknowledgeCommand': CONTROLLER,
  'Mutation.markLockerEventsLost': CONTROLLER,
  'Mutation.reportControllerHealth': CONTROLLER,

  // Subscriptions: the scope is applied to every event delivered, not only when subscribing.
  'Subscription.myLoanUpdated': PERSON_OWN,
  'Subscription.handoutUpdated': IT_DESK,
  'Subscription.compartmentUpdated': SEES_BANKS,
  'Subscription.lockerBankUpdated': SEES_BANKS,
  'Subscription.lockerCommands': CONTROLLER,
  'Subscription.myParcelUpdated': PERSON_OWN,
  'Subscription.parcelUpdated': OPERATORS,
  'Subscription.staffAlertUpdated': OPERATORS,
} as const satisfies Record<Operation, Row>;

/** Operations whose row grants every principal: nothing to enforce, so services do not call `authorize`. */
export const PUBLIC_OPERATIONS: readonly Operation[] = (Object.keys(MATRIX) as Operation[]).filter((op) =>
  PRINCIPALS.every((p) => (MATRIX[op] as Row)[p] === 'all'),
);
