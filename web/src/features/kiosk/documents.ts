import { graphql } from '@/gql';

export const KioskSessionQuery = graphql(`
  query KioskSession {
    kioskSession {
      kioskId
      bank {
        ...BankLiveFields
        site {
          id
          name
        }
        compartments {
          ...CompartmentFields
        }
      }
    }
  }
`);

export const RedeemPickupCodeMutation = graphql(`
  mutation RedeemPickupCode($code: String!) {
    redeemPickupCode(code: $code) {
      __typename
      ... on PickupOpened {
        compartmentLabel
        command {
          id
          status
          expiresAt
        }
      }
      ... on PickupRefused {
        message
        retryAfterSeconds
      }
    }
  }
`);

export const RedeemPickupQrMutation = graphql(`
  mutation RedeemPickupQr($token: String!) {
    redeemPickupQr(token: $token) {
      __typename
      ... on PickupOpened {
        compartmentLabel
        command {
          id
          status
          expiresAt
        }
      }
      ... on PickupRefused {
        message
        retryAfterSeconds
      }
    }
  }
`);

export const KioskBankUpdatedSubscription = graphql(`
  subscription KioskBankUpdated {
    lockerBankUpdated {
      ...BankLiveFields
    }
  }
`);
