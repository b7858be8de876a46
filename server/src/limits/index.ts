/**
 * The API under hostile clients: every limit a request, a client address, a
 * token and a socket meet, built once per server from the config. HTTP
 * (http.ts) and WebSocket (sockets.ts, graphql/ws.ts) share this object, so
 * one client spends one budget whichever transport it uses.
 *
 * docs/security.md lists each limit with its number and why.
 */
import type { DocumentNode, GraphQLSchema } from 'graphql';
import type { Config } from '../config/index.js';
import { clientAddressResolver, trustProxySetting } from './client-address.js';
import { operationCost, type DocumentLimits } from './document-limits.js';
import type { OperationPolicy } from './operation-policy.js';
import { createMemoryRateLimiter, type RateDecision, type RateLimiter } from './rate-limiter.js';

/** Who one request or operation is charged to. */
export interface Requester {
  /** Network address (after TRUST_PROXY). */
  client: string | null;
  /** A person's or kiosk's token id, when signed in. */
  tokenId?: string | null;
  /** A controller's bank, for deviceToken sockets: charged to the device's budget only. */
  deviceBankId?: string | null;
}

export interface ApiLimits {
  document: DocumentLimits;
  policy: OperationPolicy;
  trustProxy: boolean | number | string;
  clientOf: ReturnType<typeof clientAddressResolver>;
  /**
   * Charges one request or WebSocket operation; `ok: false` carries when to
   * retry. A promise because the budgets may live in Redis (shared by every
   * instance); the in-memory ones answer at once.
   */
  charge(who: Requester, cost?: number): Promise<RateDecision>;
  /**
   * Charges what a validated operation will cost beyond the request itself:
   * one more token per RATE_LIMIT_COST_PER_TOKEN of estimated cost, so a
   * budget pays for work, not only for requests (the board on a large campus
   * spends 19 more; `{ me { id } }` nothing more).
   */
  chargeWork(
    who: Requester,
    schema: GraphQLSchema,
    document: DocumentNode,
    operationName?: string | null,
  ): Promise<RateDecision>;
}

export interface Limiters {
  client: RateLimiter;
  token: RateLimiter;
  device: RateLimiter;
}

/** The three budgets' sizes from the config (both limiter implementations take these). */
export function budgetsOf(config: Config): Record<keyof Limiters, { capacity: number; refillPerSecond: number }> {
  return {
    client: { capacity: config.RATE_LIMIT_CLIENT_BURST, refillPerSecond: config.RATE_LIMIT_CLIENT_PER_SECOND },
    token: { capacity: config.RATE_LIMIT_TOKEN_BURST, refillPerSecond: config.RATE_LIMIT_TOKEN_PER_SECOND },
    device: { capacity: config.RATE_LIMIT_DEVICE_BURST, refillPerSecond: config.RATE_LIMIT_DEVICE_PER_SECOND },
  };
}

export function createApiLimits(config: Config, limiters: Partial<Limiters> = {}): ApiLimits {
  // In-memory buckets: right for one instance. Several instances pass Redis-backed limiters (cluster/index.ts).
  const client =
    limiters.client ??
    createMemoryRateLimiter({
      capacity: config.RATE_LIMIT_CLIENT_BURST,
      refillPerSecond: config.RATE_LIMIT_CLIENT_PER_SECOND,
    });
  const token =
    limiters.token ??
    createMemoryRateLimiter({
      capacity: config.RATE_LIMIT_TOKEN_BURST,
      refillPerSecond: config.RATE_LIMIT_TOKEN_PER_SECOND,
    });
  const device =
    limiters.device ??
    createMemoryRateLimiter({
      capacity: config.RATE_LIMIT_DEVICE_BURST,
      refillPerSecond: config.RATE_LIMIT_DEVICE_PER_SECOND,
    });
  const trustProxy = trustProxySetting(config.TRUST_PROXY);

  return {
    document: {
      maxDepth: config.GRAPHQL_MAX_DEPTH,
      maxAliases: config.GRAPHQL_MAX_ALIASES,
      maxDirectives: config.GRAPHQL_MAX_DIRECTIVES,
      maxTokens: config.GRAPHQL_MAX_TOKENS,
      maxCost: config.GRAPHQL_MAX_COST,
    },
    policy: {
      maxStringLength: config.MAX_STRING_LENGTH,
      stringLimits: { 'Mutation.importPeople.csv': config.IMPORT_CSV_MAX_CHARS },
    },
    trustProxy,
    clientOf: clientAddressResolver(trustProxy),
    chargeWork(who, schema, document, operationName) {
      const extra = Math.floor(operationCost(schema, document, operationName) / config.RATE_LIMIT_COST_PER_TOKEN);
      return extra > 0 ? this.charge(who, extra) : Promise.resolve({ ok: true, retryAfterMs: 0 });
    },
    async charge(who, cost = 1) {
      // A controller authenticated with its device token is charged to its own, larger budget only:
      // a campus's controllers often share one address (and the simulator runs them all on one).
      if (who.deviceBankId) return device.take(`bank:${who.deviceBankId}`, cost);
      const byClient = await client.take(`ip:${who.client ?? 'unknown'}`, cost);
      if (!byClient.ok || !who.tokenId) return byClient;
      return token.take(`token:${who.tokenId}`, cost);
    },
  };
}
