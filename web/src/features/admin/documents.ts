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

export const AdminPeopleQuery = graphql(`
  query AdminPeople($search: String!) {
    people(search: $search, limit: 50) {
      id
      name
      email
      role
      department
      disabled
    }
  }
`);

export const SetPersonRoleMutation = graphql(`
  mutation SetPersonRole($personId: ID!, $role: Role!) {
    setPersonRole(personId: $personId, role: $role) {
      id
      role
      disabled
    }
  }
`);

export const SetPersonDisabledMutation = graphql(`
  mutation SetPersonDisabled($personId: ID!, $disabled: Boolean!) {
    setPersonDisabled(personId: $personId, disabled: $disabled) {
      id
      role
      disabled
    }
  }
`);
