import { graphql } from '@/gql';

export const KioskCredentialsQuery = graphql(`
  query KioskCredentials {
    lockerBanks {
      id
      name
      location
    }
    kioskCredentials {
      id
      bankId
      name
      createdAt
      expiresAt
      lastUsedAt
      revokedAt
    }
  }
`);

export const PairKioskMutation = graphql(`
  mutation PairKiosk($bankId: ID!, $name: String!) {
    createKioskCredential(bankId: $bankId, name: $name) {
      id
      bankId
      name
      token
      expiresAt
    }
  }
`);

export const RotateKioskMutation = graphql(`
  mutation RotateKiosk($id: ID!) {
    rotateKioskCredential(id: $id) {
      id
      bankId
      name
      token
      expiresAt
    }
  }
`);

export const RevokeKioskMutation = graphql(`
  mutation RevokeKiosk($id: ID!) {
    revokeKioskCredential(id: $id)
  }
`);
