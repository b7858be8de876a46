/**
 * Graphcache normalisation. Entities are keyed by `id` (the default); types
 * without an id are embedded in their parent.
 */
import type { Cache, KeyingConfig, ResolverConfig, UpdatesConfig } from '@urql/exchange-graphcache';

export const cacheKeys: KeyingConfig = {
  CompartmentCounts: () => null,
  RequestSignInCodePayload: () => null,
  SignInSuccess: () => null,
  SignInFailure: () => null,
  NotificationSettings: () => null,
  KioskSession: () => null,
  // Typed results: they describe one answer, not a thing that lives on.
  ParcelReserved: () => null,
  ParcelSentToDesk: () => null,
  ParcelTooBig: () => null,
  DuplicateTracking: () => null,
  CourierBankFull: () => null,
  PickupOpened: () => null,
  PickupRefused: () => null,
  ParcelActionOk: () => null,
  ParcelActionRefused: () => null,
  CommandIssued: () => null,
  OpenRefused: () => null,
  ImportPeopleResult: () => null,
  ImportPeopleError: () => null,
  AssetSaved: () => null,
  AssetRefused: () => null,
  AssetImportResult: () => null,
  AssetImportError: () => null,
  AssetHistoryEntry: () => null,
  LoanPolicySaved: () => null,
  LoanPolicyRefused: () => null,
  EffectiveLoanPolicy: () => null,
  LoanPolicyDecision: () => null,
  // A site's calendar is the site's: one per site, updated by what the mutations answer.
  SiteCalendar: (c) => (typeof c.siteId === 'string' ? c.siteId : null),
  SiteHours: () => null,
  BlackoutDay: () => null,
  DepartmentContact: (c) => (typeof c.department === 'string' ? c.department : null),
  AssetFaultSaved: () => null,
  AssetFaultRefused: () => null,
  // A bank's controller and its health belong to the bank; a log page to its query.
  ControllerInfo: () => null,
  ControllerHealth: () => null,
  LockerEventPage: () => null,
};

interface CompartmentPayload {
  __typename?: string;
  id: string;
  bankId: string;
}

/**
 * A compartment the board has not seen yet (added to a bank after the board
 * was loaded) is appended to its bank's list so it shows without a reload.
 * Known compartments need nothing: the payload is normalised onto the entity
 * by id, and stale versions were already neutralised by the VersionBook.
 */
export function linkNewCompartment(cache: Cache, compartment: CompartmentPayload): void {
  const bankKey = cache.keyOfEntity({ __typename: 'LockerBank', id: compartment.bankId });
  const compartmentKey = cache.keyOfEntity({ __typename: 'Compartment', id: compartment.id });
  if (!bankKey || !compartmentKey) return;
  const current: unknown = cache.resolve(bankKey, 'compartments');
  if (!Array.isArray(current)) return; // the bank's list was never loaded: the next query brings it
  const keys = current as (string | null)[];
  if (keys.includes(compartmentKey)) return;
  cache.link(bankKey, 'compartments', [...keys, compartmentKey]);
}

interface ParcelPayload {
  id: string;
  status: string;
  bank?: { id: string } | null;
}

/** Does a `parcels(…)` list with these arguments hold a parcel like this one? Null: cannot tell (search). */
export function parcelBelongsTo(args: Record<string, unknown> | null, parcel: ParcelPayload): boolean | null {
  const status = args?.status;
  if (typeof status === 'string' && status !== parcel.status) return false;
  const bankId = args?.bankId;
  if (typeof bankId === 'string' && bankId !== parcel.bank?.id) return false;
  if (typeof args?.search === 'string' && args.search !== '') return null;
  return true;
}

/**
 * A parcel that changed: added to the front of every loaded `parcels` list it
 * now belongs to and removed from those it left (e.g. RECALL_PENDING → AT_DESK).
 * Lists filtered by a search keep what they have: only the server can match it.
 */
export function placeParcelInLists(cache: Cache, parcel: ParcelPayload): void {
  const parcelKey = cache.keyOfEntity({ __typename: 'Parcel', id: parcel.id });
  if (!parcelKey) return;
  for (const field of cache.inspectFields('Query')) {
    if (field.fieldName !== 'parcels') continue;
    const current: unknown = cache.resolve('Query', field.fieldKey);
    if (!Array.isArray(current)) continue;
    const keys = current as (string | null)[];
    const belongs = parcelBelongsTo(field.arguments, parcel);
    const present = keys.includes(parcelKey);
    if (belongs === true && !present) {
      cache.link('Query', field.fieldName, field.arguments, [parcelKey, ...keys]);
    } else if (belongs === false && present) {
      cache.link(
        'Query',
        field.fieldName,
        field.arguments,
        keys.filter((k) => k !== parcelKey),
      );
    }
  }
}

/** A parcel newly addressed to (or shared with) the signed-in person goes to the front of `myParcels`. */
export function addToMyParcels(cache: Cache, parcel: { id: string }): void {
  const parcelKey = cache.keyOfEntity({ __typename: 'Parcel', id: parcel.id });
  const current: unknown = cache.resolve('Query', 'myParcels');
  if (!parcelKey || !Array.isArray(current)) return;
  const keys = current as (string | null)[];
  if (!keys.includes(parcelKey)) cache.link('Query', 'myParcels', [parcelKey, ...keys]);
}

/** New alerts go to the front of every loaded `staffAlerts` list (resolved ones stay where they are). */
export function addStaffAlert(cache: Cache, alert: { id: string }): void {
  const alertKey = cache.keyOfEntity({ __typename: 'StaffAlert', id: alert.id });
  if (!alertKey) return;
  for (const field of cache.inspectFields('Query')) {
    if (field.fieldName !== 'staffAlerts') continue;
    const current: unknown = cache.resolve('Query', field.fieldKey);
    if (!Array.isArray(current)) continue;
    const keys = current as (string | null)[];
    if (!keys.includes(alertKey)) cache.link('Query', field.fieldName, field.arguments, [alertKey, ...keys]);
  }
}

/** The settings' device list, embedded in `Query.myNotificationSettings`. */
function updateDevices(cache: Cache, change: (keys: (string | null)[]) => (string | null)[]): void {
  const settings = cache.resolve('Query', 'myNotificationSettings');
  if (typeof settings !== 'string') return;
  const devices: unknown = cache.resolve(settings, 'devices');
  if (!Array.isArray(devices)) return;
  cache.link(settings, 'devices', change(devices as (string | null)[]));
}

type WithTypename<T> = T & { __typename?: string };

export const cacheUpdates: UpdatesConfig = {
  Subscription: {
    compartmentUpdated(result, _args, cache) {
      const payload = result.compartmentUpdated as CompartmentPayload | null | undefined;
      if (payload?.id && payload.bankId) linkNewCompartment(cache, payload);
    },
    myParcelUpdated(result, _args, cache) {
      const parcel = result.myParcelUpdated as ParcelPayload | null | undefined;
      if (parcel?.id) addToMyParcels(cache, parcel);
    },
    parcelUpdated(result, _args, cache) {
      const parcel = result.parcelUpdated as ParcelPayload | null | undefined;
      if (parcel?.id) placeParcelInLists(cache, parcel);
    },
    staffAlertUpdated(result, _args, cache) {
      const alert = result.staffAlertUpdated as { id: string } | null | undefined;
      if (alert?.id) addStaffAlert(cache, alert);
    },
  },
  Mutation: {
    intakeParcel(result, _args, cache) {
      const outcome = result.intakeParcel as WithTypename<{ parcel?: ParcelPayload }> | null | undefined;
      if (outcome?.parcel?.id) placeParcelInLists(cache, outcome.parcel);
    },
    openForRecall(result, _args, cache) {
      const outcome = result.openForRecall as WithTypename<{ parcel?: ParcelPayload }> | null | undefined;
      if (outcome?.parcel?.id) placeParcelInLists(cache, outcome.parcel);
    },
    handOverAtDesk(result, _args, cache) {
      const outcome = result.handOverAtDesk as WithTypename<{ parcel?: ParcelPayload }> | null | undefined;
      if (outcome?.parcel?.id) placeParcelInLists(cache, outcome.parcel);
    },
    resolveStaffAlert(result, _args, cache) {
      const alert = result.resolveStaffAlert as { id: string } | null | undefined;
      if (alert?.id) addStaffAlert(cache, alert);
    },
    registerPushSubscription(result, _args, cache) {
      const device = result.registerPushSubscription as { id: string } | null | undefined;
      const key = device?.id ? cache.keyOfEntity({ __typename: 'PushDevice', id: device.id }) : null;
      if (key) updateDevices(cache, (keys) => (keys.includes(key) ? keys : [...keys, key]));
    },
    removePushDevice(result, args, cache) {
      if (result.removePushDevice !== true || typeof args.id !== 'string') return;
      const key = cache.keyOfEntity({ __typename: 'PushDevice', id: args.id });
      updateDevices(cache, (keys) => keys.filter((k) => k !== key));
    },
  },
};

/** `parcel(id)` is answered from the cache when the parcel is already known (offline, and no extra request). */
export const cacheResolvers: ResolverConfig = {
  Query: {
    parcel: (_parent, args) => ({ __typename: 'Parcel', id: args.id as string }),
  },
};
