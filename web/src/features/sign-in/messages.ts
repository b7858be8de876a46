/** What to tell a person when signing in does not work, by cause. */
import type { CombinedError } from '@urql/core';
import type { SignInFailureReason } from '@/gql/graphql';

export const FAILURE_MESSAGE: Record<SignInFailureReason, string> = {
  CODE_NOT_VALID:
    'That code is not valid. It may be mistyped, expired or already used. Check the latest e-mail, or send a new code.',
  LOCKED_OUT: 'Too many wrong codes for this address. Wait a while, then send a new code.',
};

export function requestErrorMessage(error: CombinedError): string {
  if (error.networkError) return 'Cannot reach the Baylight server. Check your connection and try again.';
  const code = error.graphQLErrors[0]?.extensions?.code;
  switch (code) {
    case 'BAD_USER_INPUT':
      return 'Enter a valid e-mail address, like name@university.edu.';
    case 'RATE_LIMITED':
      return 'Too many attempts. Wait a minute, then try again.';
    default:
      return `Something went wrong: ${error.graphQLErrors[0]?.message ?? error.message}`;
  }
}

/** Digits only, at most six: people paste "123 456" or "Code: 123456". */
export function normaliseCode(input: string): string {
  return input.replace(/\D/g, '').slice(0, 6);
}
