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

/*
 * The answer to a code or a QR code, the same for both; fragments on the union's members (Graphcache has no schema).
 * The command's issuedAt and expiresAt (server times) bound what the kiosk waits for: see pickup-progress.ts.
 */
export const PickupOpenedFields = graphql(`
  fragment PickupOpenedFields on PickupOpened {
    compartmentLabel
    command {
      ...CommandStatusFields
      issuedAt
    }
  }
`);

export const PickupRefusedFields = graphql(`
  fragment PickupRefusedFields on PickupRefused {
    message
    retryAfterSeconds
  }
`);

export const RedeemPickupCodeMutation = graphql(`
  mutation RedeemPickupCode($code: String!) {
    redeemPickupCode(code: $code) {
      __typename
      ...PickupOpenedFields
      ...PickupRefusedFields
    }
  }
`);

export const RedeemPickupQrMutation = graphql(`
  mutation RedeemPickupQr($token: String!) {
    redeemPickupQr(token: $token) {
      __typename
      ...PickupOpenedFields
      ...PickupRefusedFields
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
