/**
 * Starts the real server (HTTP + WebSocket) on a free port with a freshly
 * migrated database in a temporary directory, and gives tests typed helpers
 * around it. Everything is disposed after the test, even when a test forgets.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Agent as HttpsAgent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { startServer, type RunningServer } from '../../src/app.js';
import { parseConfig } from '../../src/config/index.js';
import { demoLayout } from '../../src/demo/seed.js';
import type { Role } from '../../src/people/types.js';
import type { Logger } from '../../src/shared/logger.js';
import { track } from './disposables.js';
import { freshPostgresDatabase, testEngine } from './engine.js';

export interface GqlResponse<T = Record<string, unknown>> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string; [k: string]: unknown } }[];
}

export interface TestServer extends RunningServer {
  /** HTTP POST /graphql, as a person's token (or anonymous). */
  gql<T = any>(query: string, variables?: Record<string, unknown>, token?: string | null): Promise<GqlResponse<T>>;
  /** A token of a new person with the given role. */
  tokenFor(role: Role, opts?: { department?: string | null; email?: string }): Promise<string>;
  adminToken: string;
  /** A site and a bank of `count` compartments; returns the device token. */
  createBank(opts?: {
    name?: string;
    count?: number;
    department?: string | null;
    compartments?: { label: string; size: string; accessible?: boolean; hasCharging?: boolean }[];
  }): Promise<{
    bankId: string;
    siteId: string;
    deviceToken: string;
  }>;
  /** The temporary directory holding the database and the key file; removed after the test. */
  dir: string;
  /** A graphql-ws client with the given connectionParams; closed after the test. */
  wsClient(connectionParams: Record<string, unknown>, opts?: Partial<Parameters<typeof createClient>[0]>): Client;
}

let counter = 0;

/** A clock tests can move forward (expiry, reminders) without waiting. */
export class TestClock {
  offsetMs = 0;
  now = () => new Date(Date.now() + this.offsetMs);
  advance(ms: number) {
    this.offsetMs += ms;
  }
}

export async function startTestServer(
  env: Record<string, string> = {},
  opts: {
    clock?: TestClock;
    pushAgent?: HttpsAgent;
    logger?: Logger;
    /**
     * A directory shared with other instances (the same database file, WAL, and key file);
     * the caller owns it. Default: a fresh one, removed after the test.
     */
    dir?: string;
    /**
     * On a PostgreSQL run (helpers/engine.ts): the database to share with other instances.
     * Default: a fresh one. Ignored on SQLite (share `dir` instead) and where `env` names
     * DATABASE_FILE (a test of the SQLite file runs on SQLite on either run).
     */
    databaseUrl?: string;
  } = {},
): Promise<TestServer> {
  const ownDir = !opts.dir;
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'baylight-test-'));
  // On a PostgreSQL run every server gets a database of its own (or the one it is told to share),
  // except where the test is about the SQLite file itself (it names DATABASE_FILE).
  const databaseUrl =
    testEngine() === 'postgres' && !('DATABASE_FILE' in env)
      ? (opts.databaseUrl ?? (await freshPostgresDatabase()))
      : null;
  const config = parseConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_FILE: join(dir, 'baylight.db'),
    // Keys live outside the database, and tests never write into data/.
    PICKUP_SIGNING_KEY_FILE: join(dir, 'pickup-signing-keys.json'),
    LOG_LEVEL: 'silent',
    DEV_OUTBOX: 'true',
    DEVICE_OFFLINE_GRACE_MS: '300',
    // The local push service (helpers/push-service.ts) listens on 127.0.0.1, which production refuses.
    ...(opts.pushAgent ? { PUSH_ALLOW_PRIVATE_HOSTS: 'true' } : {}),
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...env,
  });
  const server = await startServer({
    config,
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.pushAgent ? { pushAgent: opts.pushAgent } : {}),
    ...(opts.logger ? { logger: opts.logger } : {}),
  }).catch((err: unknown) => {
    if (ownDir) rmSync(dir, { recursive: true, force: true });
    throw err;
  });
  track(server, async () => {
    await server.close();
    if (ownDir) rmSync(dir, { recursive: true, force: true });
  });

  const tokenFor: TestServer['tokenFor'] = async (role, opts = {}) => {
    const person = await server.services.people.createPerson({
      email: opts.email ?? `${role.toLowerCase()}-${++counter}@test.baylight.dev`,
      name: `${role} ${counter}`,
      role,
      department: opts.department ?? null,
    });
    return server.services.people.createApiToken(person.id, 'test');
  };
  const adminToken = await tokenFor('ADMIN');

  const gql: TestServer['gql'] = async (query, variables = {}, token = adminToken) => {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as GqlResponse<never>;
  };

  let siteId: string | null = null;
  const createBank: TestServer['createBank'] = async ({ name, count = 8, department = null, compartments } = {}) => {
    if (!siteId) {
      const site = await gql<{ createSite: { id: string } }>(
        `mutation { createSite(input: { name: "Test campus" }) { id } }`,
      );
      siteId = site.data!.createSite.id;
    }
    const res = await gql<{ createLockerBank: { bank: { id: string }; deviceToken: string } }>(
      `mutation ($input: CreateLockerBankInput!) { createLockerBank(input: $input) { bank { id } deviceToken } }`,
      {
        input: {
          siteId,
          name: name ?? `Bank ${++counter}`,
          department,
          compartments: compartments ?? demoLayout(count),
        },
      },
    );
    if (!res.data) throw new Error(JSON.stringify(res.errors));
    return { bankId: res.data.createLockerBank.bank.id, siteId, deviceToken: res.data.createLockerBank.deviceToken };
  };

  const wsClient: TestServer['wsClient'] = (connectionParams, opts = {}) => {
    const client = createClient({
      url: server.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams,
      retryAttempts: 0,
      lazy: false,
      onNonLazyError: () => {},
      ...opts,
    });
    return track(client, () => client.dispose());
  };

  return Object.assign(server, { gql, tokenFor, adminToken, createBank, wsClient, dir });
}

/** Runs one operation over a graphql-ws client and returns its single result. */
export function execute<T = any>(client: Client, query: string, variables: Record<string, unknown> = {}) {
  return new Promise<GqlResponse<T>>((resolve, reject) => {
    let result: GqlResponse<T> | undefined;
    client.subscribe<T>(
      { query, variables },
      {
        next: (r) => (result = r as GqlResponse<T>),
        error: (e) =>
          Array.isArray(e) ? resolve({ errors: e as GqlResponse['errors'] }) : reject(new Error(JSON.stringify(e))),
        complete: () => (result ? resolve(result) : reject(new Error('completed without a result'))),
      },
    );
  });
}

/** Collects a subscription's payloads; `next()` waits for the next one. */
export function collect<T = any>(client: Client, query: string, variables: Record<string, unknown> = {}) {
  const items: GqlResponse<T>[] = [];
  const waiters: (() => void)[] = [];
  let closedWith: unknown = null;
  const unsubscribe = client.subscribe<T>(
    { query, variables },
    {
      next: (r) => {
        items.push(r as GqlResponse<T>);
        waiters.splice(0).forEach((w) => w());
      },
      error: (e) => {
        closedWith = e;
        waiters.splice(0).forEach((w) => w());
      },
      complete: () => {},
    },
  );
  track(null, unsubscribe);
  return {
    items,
    get error() {
      return closedWith;
    },
    unsubscribe,
    /** Waits until `predicate` holds for the items received so far. */
    async until(predicate: (items: GqlResponse<T>[]) => boolean, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(items)) {
        if (closedWith) throw new Error(`subscription ended: ${JSON.stringify(closedWith)}`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`timed out; received ${JSON.stringify(items).slice(0, 500)}`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
      return items;
    },
  };
}

/** Resolves with the close event of a client's socket (e.g. 4403). */
export function closeCode(client: Client) {
  return new Promise<number>((resolve) => client.on('closed', (e) => resolve((e as { code: number }).code)));
}

/** Resolves with the connection_ack payload. */
export function connected<T = Record<string, unknown>>(client: Client) {
  return new Promise<T>((resolve) => client.on('connected', (_s, payload) => resolve(payload as T)));
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
