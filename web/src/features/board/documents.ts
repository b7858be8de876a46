import { graphql } from '@/gql';

/** Everything a tile shows. `id` and `version` let the cache keep the newest state. */
export const CompartmentFields = graphql(`
  fragment CompartmentFields on Compartment {
    id
    version
    bankId
    label
    size
    hasCharging
    accessible
    door
    occupancy
    charging
    state
    updatedAt
  }
`);

/** A bank's own live fields (status changes arrive through `lockerBankUpdated`). */
export const BankLiveFields = graphql(`
  fragment BankLiveFields on LockerBank {
    id
    version
    name
    location
    status
    lastSeenAt
    counts {
      total
      available
      inUse
      open
      unavailable
    }
  }
`);

export const LockerBoardQuery = graphql(`
  query LockerBoard {
    sites {
      id
      name
      timezone
      banks {
        ...BankLiveFields
        compartments {
          ...CompartmentFields
        }
      }
    }
  }
`);

/** All visible banks: the board shows every bank the viewer may see. */
export const CompartmentUpdatedSubscription = graphql(`
  subscription CompartmentUpdated {
    compartmentUpdated {
      ...CompartmentFields
    }
  }
`);

export const LockerBankUpdatedSubscription = graphql(`
  subscription LockerBankUpdated {
    lockerBankUpdated {
      ...BankLiveFields
    }
  }
`);

/** Staff override: open a door now (ADMIN, IT, MAILROOM). */
export const OpenCompartmentMutation = graphql(`
  mutation OpenCompartment($input: OpenCompartmentInput!) {
    openCompartment(input: $input) {
      __typename
      ... on CommandIssued {
        command {
          ...CommandStatusFields
          compartmentLabel
        }
      }
      ... on OpenRefused {
        reason
        message
      }
    }
  }
`);

export const SetCompartmentOutOfServiceMutation = graphql(`
  mutation SetCompartmentOutOfService($bankId: ID!, $label: String!, $outOfService: Boolean!, $reason: String!) {
    setCompartmentOutOfService(bankId: $bankId, label: $label, outOfService: $outOfService, reason: $reason) {
      ...CompartmentFields
    }
  }
`);
