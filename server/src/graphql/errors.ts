/**
 * One error policy for HTTP and WebSocket: every error leaves with an
 * `extensions.code`; unexpected ones are logged and masked.
 */
import { createRequire } from 'node:module';
import type * as graphql from 'graphql';
import type { GraphQLError, GraphQLFormattedError } from 'graphql';
import { ErrorCode } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';

/**
 * graphql-ws accepts errors from its onSubscribe hook only if they are
 * `instanceof GraphQLError` of the copy of graphql it loaded: the CommonJS
 * build (graphql has no exports map, so Node's ESM resolution takes `main`),
 * which `require` reaches too. This module may see the ESM build (vitest
 * resolves `module`), so the class is taken from there.
 */
const { GraphQLError: WsGraphQLError } = createRequire(import.meta.url)('graphql') as typeof graphql;

/** An UNAUTHENTICATED error graphql-ws can send in answer to an operation it refuses before execution. */
export const wsUnauthenticated = (message: string): GraphQLError =>
  new WsGraphQLError(message, { extensions: { code: ErrorCode.Unauthenticated } });

/**
 * Errors raised before execution (validation, variable coercion) carry no
 * code and no path; over graphql-ws they would leave without one. Plain
 * objects on purpose: graphql may be loaded twice (ESM and CJS copies), so
 * `instanceof GraphQLError` is not reliable here.
 */
export function withRequestCode(error: GraphQLFormattedError): GraphQLFormattedError {
  if (error.extensions?.code || error.path) return error;
  const code = /^Variable "\$/.test(error.message) ? 'BAD_USER_INPUT' : 'GRAPHQL_VALIDATION_FAILED';
  return { ...error, extensions: { ...error.extensions, code } };
}

/** Masks errors that are not ours to show (bugs, driver errors) and logs them. */
export function maskUnexpected(
  formatted: GraphQLFormattedError,
  original: unknown,
  logger: Logger,
): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  if (code && code !== 'INTERNAL_SERVER_ERROR') return formatted;
  const err = (original as { originalError?: unknown } | null)?.originalError ?? original;
  logger.error({ err }, 'operation failed');
  return {
    message: 'Internal server error',
    ...(formatted.path ? { path: formatted.path } : {}),
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  };
}
