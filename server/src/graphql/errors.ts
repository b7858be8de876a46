/**
 * One error policy for HTTP and WebSocket: every error leaves with an
 * `extensions.code`; unexpected ones are logged and masked.
 */
import type { GraphQLFormattedError } from 'graphql';
import type { Logger } from '../shared/logger.js';

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
