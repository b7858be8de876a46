import { graphql } from '@/gql';

/**
 * What every parcel view shows. The compartment carries `version` so the
 * VersionBook keeps its newest door state; the bank is only named here.
 */
export const ParcelFields = graphql(`
  fragment ParcelFields on Parcel {
    id
    tracking
    carrier
    size
    status
    deskReason
    createdAt
    depositedAt
    expiresAt
    pickedUpAt
    pickupMethod
    extended
    recipient {
      id
      name
      email
      studentId
    }
    proxy {
      id
      name
      email
    }
    bank {
      id
      name
      location
    }
    compartment {
      ...ParcelCompartmentFields
    }
  }
`);

/** A parcel's compartment: where it is and its live door state (also the compartment an intake reserves). */
export const ParcelCompartmentFields = graphql(`
  fragment ParcelCompartmentFields on Compartment {
    id
    version
    bankId
    label
    size
    door
    state
    occupancy
    accessible
  }
`);

/** A door command's progress (pickup at the kiosk, intake deposit, staff open). */
export const CommandStatusFields = graphql(`
  fragment CommandStatusFields on LockerCommand {
    id
    status
    expiresAt
  }
`);

/** The recipient's own view adds the code and the QR: persisted by Graphcache so they show offline. */
export const MyParcelFields = graphql(`
  fragment MyParcelFields on Parcel {
    ...ParcelFields
    pickupCode
    pickupQrToken
  }
`);

export const MyParcelsQuery = graphql(`
  query MyParcels {
    myParcels {
      ...MyParcelFields
    }
  }
`);

export const MyParcelUpdatedSubscription = graphql(`
  subscription MyParcelUpdated {
    myParcelUpdated {
      ...MyParcelFields
    }
  }
`);

/* Typed results are matched with inline fragments on the members: Graphcache has no schema to match a union fragment. */
/** The door command sent by a remote open or a recall: the countdown runs for `ttlMs` from when the answer arrives. */
export const OpenCommandFields = graphql(`
  fragment OpenCommandFields on LockerCommand {
    id
    compartmentLabel
    expiresAt
    ttlMs
  }
`);

/** Why a parcel action was refused (the screens pick a text by `reason`). */
export const ParcelActionRefusedFields = graphql(`
  fragment ParcelActionRefusedFields on ParcelActionRefused {
    reason
    message
  }
`);

/** A parcel action done for the recipient (open now, extend, share): the parcel as the recipient sees it. */
export const MyParcelActionOkFields = graphql(`
  fragment MyParcelActionOkFields on ParcelActionOk {
    parcel {
      ...MyParcelFields
    }
  }
`);

export const OpenMyParcelMutation = graphql(`
  mutation OpenMyParcel($parcelId: ID!) {
    openMyParcel(parcelId: $parcelId) {
      __typename
      ...MyParcelActionOkFields
      ... on ParcelActionOk {
        command {
          ...OpenCommandFields
        }
      }
      ...ParcelActionRefusedFields
    }
  }
`);

export const ExtendParcelHoldMutation = graphql(`
  mutation ExtendParcelHold($parcelId: ID!) {
    extendParcelHold(parcelId: $parcelId) {
      __typename
      ...MyParcelActionOkFields
      ...ParcelActionRefusedFields
    }
  }
`);

export const ShareParcelPickupMutation = graphql(`
  mutation ShareParcelPickup($parcelId: ID!, $email: String) {
    shareParcelPickup(parcelId: $parcelId, email: $email) {
      __typename
      ...MyParcelActionOkFields
      ...ParcelActionRefusedFields
    }
  }
`);

export const StaffAlertFields = graphql(`
  fragment StaffAlertFields on StaffAlert {
    id
    kind
    bankId
    compartmentLabel
    parcelId
    message
    createdAt
    resolvedAt
  }
`);

export const ReportDoorDidNotOpenMutation = graphql(`
  mutation ReportDoorDidNotOpen($parcelId: ID, $bankId: ID, $compartmentLabel: String, $note: String) {
    reportDoorDidNotOpen(parcelId: $parcelId, bankId: $bankId, compartmentLabel: $compartmentLabel, note: $note) {
      ...StaffAlertFields
    }
  }
`);

/** One parcel; Graphcache resolves it from the cache first (see cache-config `resolvers`). */
export const ParcelQuery = graphql(`
  query Parcel($id: ID!) {
    parcel(id: $id) {
      ...ParcelFields
    }
  }
`);

/** Staff and departments: parcels by status or search. */
export const ParcelsQuery = graphql(`
  query Parcels($status: ParcelStatus, $bankId: ID, $search: String, $limit: Int) {
    parcels(status: $status, bankId: $bankId, search: $search, limit: $limit) {
      ...ParcelFields
    }
  }
`);

export const ParcelUpdatedSubscription = graphql(`
  subscription ParcelUpdated {
    parcelUpdated {
      ...ParcelFields
    }
  }
`);
