/**
 * Turns a failed request into what the person should do next. Decisions are
 * made on `extensions.code` (the API's contract), never on message text.
 */
import type { CombinedError } from '@urql/core';

export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'RATE_LIMITED'
  | 'INTERNAL_SERVER_ERROR'
  | 'NETWORK'
  | 'UNKNOWN';

const KNOWN: readonly ErrorCode[] = [
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'RATE_LIMITED',
  'INTERNAL_SERVER_ERROR',
];

/** Minimal shape of urql's CombinedError, so pure helpers can be tested without urql. */
export interface ErrorLike {
  networkError?: unknown;
  graphQLErrors: readonly { message: string; extensions?: Record<string, unknown> }[];
}

export function errorCode(error: ErrorLike | CombinedError | undefined | null): ErrorCode | null {
  if (!error) return null;
  if (error.networkError) return 'NETWORK';
  const code = error.graphQLErrors[0]?.extensions?.code;
  return typeof code === 'string' && (KNOWN as readonly string[]).includes(code) ? (code as ErrorCode) : 'UNKNOWN';
}

/** The server's own explanation, for codes where it adds detail (BAD_USER_INPUT, NOT_FOUND). */
export function serverMessage(error: ErrorLike | CombinedError): string | undefined {
  return error.graphQLErrors[0]?.message;
}

export interface ErrorTexts {
  FORBIDDEN?: string;
  BAD_USER_INPUT?: string;
  NOT_FOUND?: string;
  RATE_LIMITED?: string;
}

/** A sentence for an error, with per-action wording where the caller knows better. */
export function errorMessage(error: ErrorLike | CombinedError, texts: ErrorTexts = {}): string {
  const code = errorCode(error);
  const detail = serverMessage(error);
  switch (code) {
    case 'NETWORK':
      return 'Cannot reach the Baylight server. Check the connection, then try again.';
    case 'UNAUTHENTICATED':
      return 'Your session has ended. Sign in again.';
    case 'FORBIDDEN':
      return texts.FORBIDDEN ?? 'Your account is not allowed to do this. Ask an administrator if you need it.';
    case 'BAD_USER_INPUT':
      return texts.BAD_USER_INPUT ?? `Check what you entered: ${detail ?? 'the server did not accept it.'}`;
    case 'NOT_FOUND':
      return texts.NOT_FOUND ?? 'It no longer exists. Reload the page to see the current state.';
    case 'RATE_LIMITED':
      return texts.RATE_LIMITED ?? 'Too many attempts. Wait a minute, then try again.';
    case 'INTERNAL_SERVER_ERROR':
      return 'The server ran into a problem. Try again; if it keeps happening, tell IT.';
    default:
      return `Something went wrong: ${detail ?? 'unknown error'}. Try again.`;
  }
}
