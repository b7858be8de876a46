import { graphql } from '@/gql';

export const RequestSignInCodeMutation = graphql(`
  mutation RequestSignInCode($email: String!) {
    requestSignInCode(email: $email) {
      ok
      expiresAt
    }
  }
`);

export const SignInMutation = graphql(`
  mutation SignIn($email: String!, $code: String!) {
    signIn(email: $email, code: $code) {
      __typename
      ... on SignInSuccess {
        token
        expiresAt
        person {
          id
          name
          email
          role
        }
      }
      ... on SignInFailure {
        reason
        message
      }
    }
  }
`);
