/**
 * Top-level GraphQL errors: authorisation, invalid input and bugs only.
 * Expected business outcomes are typed results in the schema instead.
 * Every error carries `extensions.code` so clients switch on it, not on text.
 */
import { GraphQLError } from 'graphql';

export const ErrorCode = {
  Unauthenticated: 'UNAUTHENTICATED',
  Forbidden: 'FORBIDDEN',
  BadUserInput: 'BAD_USER_INPUT',
  NotFound: 'NOT_FOUND',
  Conflict: 'CONFLICT',
  RateLimited: 'RATE_LIMITED',
  Internal: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

function error(code: ErrorCode, message: string, extra?: Record<string, unknown>) {
  return new GraphQLError(message, { extensions: { code, ...extra } });
}

export const unauthenticated = (message = 'Sign in first: send Authorization: Bearer <token>.') =>
  error(ErrorCode.Unauthenticated, message);
export const forbidden = (message = 'Your role may not do this.') => error(ErrorCode.Forbidden, message);
export const badInput = (message: string, extra?: Record<string, unknown>) =>
  error(ErrorCode.BadUserInput, message, extra);
export const notFound = (what: string) => error(ErrorCode.NotFound, `${what} not found.`);
export const conflict = (message: string) => error(ErrorCode.Conflict, message);
