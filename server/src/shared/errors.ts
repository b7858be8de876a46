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
  /** A WebSocket already carries as many operations as one socket may (limits/). */
  TooManySubscriptions: 'TOO_MANY_SUBSCRIPTIONS',
  /** A controller asked for a second `lockerCommands` stream on one connection (devices/PROTOCOL.md 5). */
  AlreadySubscribed: 'ALREADY_SUBSCRIBED',
  /** The execution ran past its time budget and was stopped (limits/execution-budget.ts). */
  Timeout: 'TIMEOUT',
  /** HTTP: the body is larger than this client may send (HTTP 413). */
  PayloadTooLarge: 'PAYLOAD_TOO_LARGE',
  /** HTTP: the body is not JSON (HTTP 400); Apollo uses the same code for malformed requests. */
  BadRequest: 'BAD_REQUEST',
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
export const alreadySubscribed = (message: string) => error(ErrorCode.AlreadySubscribed, message);
/** A request budget is spent (limits/): `retryAfterMs` says when the next request will be taken. */
export const rateLimited = (retryAfterMs: number) =>
  error(ErrorCode.RateLimited, 'Too many requests; slow down and retry later.', { retryAfterMs });
