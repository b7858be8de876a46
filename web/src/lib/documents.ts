import { graphql } from '@/gql';

/** Who the token belongs to; null when the token is no longer valid. */
export const MeQuery = graphql(`
  query Me {
    me {
      id
      name
      email
      role
    }
  }
`);

export const SignOutMutation = graphql(`
  mutation SignOut {
    signOut
  }
`);
