/**
 * The HTTP side of the limits: response headers, the request budget (charged
 * before the body is read, so a refused client costs no parsing), the body
 * size by role, and the Apollo plugin that applies the operation policy.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import express from 'express';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { GraphQLContext } from '../graphql/context.js';
import type { Viewer } from '../people/types.js';
import { ErrorCode, rateLimited } from '../shared/errors.js';
import type { ApiLimits } from './index.js';
import { hideParseLimit } from './document-limits.js';
import { operationPolicyError } from './operation-policy.js';

/**
 * The API answers JSON only: nothing of it may be framed, sniffed into HTML or
 * run as a page. In development Apollo's landing page needs its scripts, so
 * only framing is restricted there. Nothing is cached on the way either: every
 * answer depends on who asks (`no-store`, what Apollo's cache-control plugin
 * sent before app.ts turned that plugin off).
 */
export function apiSecurityHeaders(production: boolean): RequestHandler {
  const csp = production ? "default-src 'none'; frame-ancestors 'none'" : "frame-ancestors 'none'";
  return (req, res, next) => {
    res.set({
      'Content-Security-Policy': csp,
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      'Referrer-Policy': 'no-referrer',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cache-Control': 'no-store',
    });
    // Only when the request arrived over TLS (directly, or per a trusted proxy's X-Forwarded-Proto).
    if (req.secure) res.set('Strict-Transport-Security', 'max-age=31536000');
    next();
  };
}

/** What the gate found out about a request, for the context and the body parser. */
export interface GateLocals {
  viewer: Viewer | null;
  client: string | null;
}

/**
 * Authenticates the bearer token once, charges the client address and the
 * token, and answers 429 with RATE_LIMITED (and Retry-After) when either
 * budget is spent. CORS runs before it, so a refused browser can read why.
 */
export function requestGate(
  limits: ApiLimits,
  authenticate: (token: string | null) => Promise<Viewer | null>,
  bearer: (header: unknown) => string | null,
): RequestHandler {
  return (req, res, next) => {
    const client = limits.clientOf(req);
    authenticate(bearer(req.headers.authorization))
      .then((viewer) => {
        const locals: GateLocals = { viewer, client };
        res.locals.gate = locals;
        return limits.charge({ client, tokenId: viewer?.tokenId ?? null });
      })
      .then((decision) => {
        if (decision.ok) return next();
        const error = rateLimited(decision.retryAfterMs);
        res
          .status(429)
          .set('Retry-After', String(Math.max(1, Math.ceil(decision.retryAfterMs / 1000))))
          .json({ errors: [{ message: error.message, extensions: error.extensions }] });
      }, next);
  };
}

/** Roles that may import people: their requests may carry a whole directory export. */
const IMPORTING_ROLES: readonly string[] = ['ADMIN', 'MAILROOM'];

/** express.json with the small limit, or the import limit for the roles that may import. */
export function jsonBody(limitBytes: number, importLimitBytes: number): RequestHandler {
  const small = express.json({ limit: limitBytes });
  const large = express.json({ limit: importLimitBytes });
  return (req, res, next) => {
    const { viewer } = (res.locals.gate ?? {}) as Partial<GateLocals>;
    return (viewer && IMPORTING_ROLES.includes(viewer.role) ? large : small)(req, res, next);
  };
}

/**
 * Body parser failures as GraphQL-shaped JSON (Express would answer HTML, with
 * a stack trace in development): 413 PAYLOAD_TOO_LARGE, 400 BAD_REQUEST.
 */
export const bodyErrors: ErrorRequestHandler = (err: { type?: string; status?: number }, _req, res, next) => {
  if (res.headersSent) return next(err);
  const tooLarge = err.type === 'entity.too.large';
  const status = tooLarge ? 413 : (err.status ?? 500);
  if (status >= 500) return next(err);
  const [message, code] = tooLarge
    ? ['The request body is too large.', ErrorCode.PayloadTooLarge]
    : ['The request body is not valid JSON.', ErrorCode.BadRequest];
  res.status(status).json({ errors: [{ message, extensions: { code } }] });
};

/**
 * Once the operation is known: the operation policy (repeated mutations,
 * string lengths), then its estimated work charged to the request's budgets.
 */
export function operationChecksPlugin(limits: ApiLimits): ApolloServerPlugin<GraphQLContext> {
  return {
    requestDidStart() {
      return Promise.resolve({
        async didResolveOperation(rc) {
          const error = operationPolicyError(
            rc.schema,
            rc.document,
            rc.request.operationName,
            rc.request.variables,
            limits.policy,
          );
          if (error) throw error;
          const { client, viewer } = rc.contextValue;
          const work = await limits.chargeWork(
            { client, tokenId: viewer?.tokenId ?? null },
            rc.schema,
            rc.document,
            rc.request.operationName,
          );
          if (!work.ok) throw withStatus(rateLimited(work.retryAfterMs), 429);
        },
      });
    },
  };
}

/** Apollo takes the HTTP status of an error thrown before execution from `extensions.http` (and strips it). */
function withStatus(error: GraphQLError, status: number): GraphQLError {
  return new GraphQLError(error.message, { extensions: { ...error.extensions, http: { status } } });
}

/** "Did you mean …?" tells an anonymous client the schema's names: cut in production. */
export function withoutSuggestions(message: string): string {
  return message.replace(/ ?Did you mean [^?]*\?/g, '').trim();
}

/** Apollo's and graphql's wording differ (and Apollo's explains how to turn it on): one answer for both transports. */
const INTROSPECTION_REFUSED = /GraphQL introspection (is not allowed|has been disabled)/;

/** What every error leaving the API goes through (HTTP formatError, WebSocket onError/onNext). */
export function publicError(error: GraphQLFormattedError, production: boolean): GraphQLFormattedError {
  let message = hideParseLimit(error.message);
  if (INTROSPECTION_REFUSED.test(message)) message = 'Introspection is disabled on this server.';
  if (production) message = withoutSuggestions(message);
  return message === error.message ? error : { ...error, message };
}
