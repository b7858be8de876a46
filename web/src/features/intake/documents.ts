import { graphql } from '@/gql';

export const PeopleSearchQuery = graphql(`
  query PeopleSearch($search: String!, $limit: Int) {
    people(search: $search, limit: $limit) {
      id
      name
      email
      studentId
      role
      department
    }
  }
`);

export const IntakeParcelMutation = graphql(`
  mutation IntakeParcel($input: IntakeParcelInput!) {
    intakeParcel(input: $input) {
      __typename
      ... on ParcelReserved {
        parcel {
          ...ParcelFields
        }
        compartment {
          ...ParcelCompartmentFields
        }
        command {
          ...CommandStatusFields
        }
      }
      ... on ParcelSentToDesk {
        parcel {
          ...ParcelFields
        }
        reason
        message
      }
      ... on ParcelTooBig {
        parcel {
          ...ParcelFields
        }
        message
      }
      ... on DuplicateTracking {
        existing {
          ...ParcelFields
        }
        message
      }
      ... on CourierBankFull {
        bank {
          id
          name
        }
        cause
        alternatives {
          ...DropoffBankFields
        }
        deskLocation
        message
      }
    }
  }
`);

/** A bank offered for a drop-off. */
export const DropoffBankFields = graphql(`
  fragment DropoffBankFields on LockerBank {
    id
    name
    location
    status
    site {
      id
      name
    }
  }
`);

/** A courier's own banks (an admin allows them per courier); the server enforces the same list. */
export const CourierBanksQuery = graphql(`
  query CourierBanks {
    me {
      id
      courierBanks {
        ...DropoffBankFields
      }
    }
  }
`);

/** Mailroom and admins may take parcels in at any bank: all of them. */
export const DropoffBanksQuery = graphql(`
  query DropoffBanks {
    lockerBanks {
      ...DropoffBankFields
    }
  }
`);

/** Just the compartment's live state, for the deposit progress. */
export const CompartmentDoorFields = graphql(`
  fragment CompartmentDoorFields on Compartment {
    id
    version
    bankId
    label
    door
    state
    occupancy
  }
`);

/** Live door states of one bank (kiosk, courier drop-off): payloads land on the compartments by id. */
export const BankCompartmentUpdatedSubscription = graphql(`
  subscription BankCompartmentUpdated($bankId: ID) {
    compartmentUpdated(bankId: $bankId) {
      ...CompartmentFields
    }
  }
`);
