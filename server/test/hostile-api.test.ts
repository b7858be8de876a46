/**
 * The API under hostile clients: each attack of the security review runs
 * against the real server (HTTP and WebSocket) and is refused with a clear
 * answer, while a legitimate client in the same test keeps getting answers:
 * the median of its `{ me { id } }` round trips during the attack stays under
 * 100 ms, or 8 × its median on the same server just before the attack when
 * the machine is slower than that (a starvation check, not a benchmark: the
 * refusals are cheap, so nothing queues behind them; a starved client waits
 * for seconds).
 *
 * Attackers connect from other loopback addresses (127.0.0.2 …), so the
 * per-address budgets they spend are not the legitimate client's (127.0.0.1).
 * Set HOSTILE_REPORT=1 to print the measured figures.
 */
import { once } from 'node:events';
import { request, type IncomingHttpHeaders } from 'node:http';
import { connect, createServer as createTcpServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { track } from './helpers/disposables.js';
import { eventually, person } from './helpers/parcels.js';
import {
  closeCode,
  connected,
  execute,
  sleep,
  startTestServer,
  type GqlResponse,
  type TestServer,
} from './helpers/server.js';

const report = (...args: unknown[]) => {
  if (process.env.HOSTILE_REPORT) console.log('[hostile]', ...args);
};

interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;

  body: GqlResponse<any>;
}

/** POST /graphql from a chosen local address (a distinct client to the server), one connection per request. */
function post(
  server: TestServer,
  query: string,
  variables: Record<string, unknown> = {},
  opts: { token?: string | null; from?: string; body?: string } = {},
): Promise<HttpAnswer> {
  const body = opts.body ?? JSON.stringify({ query, variables });
  return new Promise((resolve, reject) => {
    const req = request(
      server.url,
      {
        method: 'POST',
        agent: false,
        localAddress: opts.from ?? '127.0.0.1',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: JSON.parse(text) as HttpAnswer['body'],
            });
          } catch {
            reject(new Error(`not JSON (${res.statusCode}): ${text.slice(0, 200)}`));
          }
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** graphql-ws's WebSocket, connecting from a chosen local address. */
const wsFrom = (localAddress: string) =>
  class extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { localAddress });
    }
  };

const codes = (r: { errors?: { extensions?: { code?: string } }[] }) => (r.errors ?? []).map((e) => e.extensions?.code);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * The starvation limit for the next measurement: 100 ms, or 8 × the
 * legitimate client's quiet median now if the machine is busier than that
 * (CI on two cores, other tests running). Set by each measurement below.
 */
let starvationLimitMs = 100;
async function measureStarvationLimit(legit: () => Promise<unknown>) {
  const quiet: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    await legit();
    quiet.push(performance.now() - started);
  }
  starvationLimitMs = Math.max(100, 8 * median(quiet));
  return starvationLimitMs;
}

/**
 * Runs `attack` in `concurrency` loops until `measure` is done, and the
 * legitimate client's round trips in between. Returns the median latency (ms)
 * and how many attack requests went out meanwhile.
 */
async function legitLatencyDuring(
  legit: () => Promise<unknown>,
  attack: () => Promise<unknown>,
  { concurrency = 2, samples = 15 } = {},
) {
  let stop = false;
  let attacks = 0;
  const failures: unknown[] = [];
  await measureStarvationLimit(legit);
  const loops = Array.from({ length: concurrency }, async () => {
    while (!stop) {
      try {
        await attack();
      } catch (err) {
        failures.push(err);
      }
      attacks++;
    }
  });
  const latencies: number[] = [];
  try {
    await sleep(30); // the attack is running before the first measurement
    for (let i = 0; i < samples; i++) {
      const started = performance.now();
      await legit();
      latencies.push(performance.now() - started);
      await sleep(10);
    }
  } finally {
    stop = true;
    await Promise.all(loops);
  }
  expect(failures).toEqual([]);
  return { medianMs: median(latencies), maxMs: Math.max(...latencies), attacks };
}

/**
 * The legitimate client's median latency (ms) while `work` (an attack in
 * progress) runs; at least 5 samples. Measure the starvation limit before
 * starting the work.
 */
async function legitLatencyWhile<T>(legit: () => Promise<unknown>, work: Promise<T>) {
  let done = false;
  const result = work.finally(() => (done = true));
  const latencies: number[] = [];
  while (!done || latencies.length < 5) {
    const started = performance.now();
    await legit();
    latencies.push(performance.now() - started);
    await sleep(10);
  }
  return { value: await result, medianMs: median(latencies), samples: latencies.length };
}

/** The legitimate client: a student of its own asking who they are, over HTTP from 127.0.0.1. */
async function legitimateClient(server: TestServer) {
  const { token } = await person(server, 'STUDENT');
  return async () => {
    const res = await post(server, '{ me { id } }', {}, { token });
    expect(res.body.data?.me).toBeTruthy();
  };
}

/** `lockerBank { site { banks { compartments { bank { site { banks … } } } } } }`, at least `bytes` long. */
function nestedQuery(bytes: number) {
  const chain = ['site', 'banks', 'compartments', 'bank'];
  const build = (levels: number) =>
    `query { lockerBank(id: "x") { ${Array.from({ length: levels }, (_, i) => `${chain[i % 4]} {`).join(' ')} id ${'} '.repeat(levels)}} }`;
  let levels = 1;
  while (build(levels).length < bytes) levels++;
  return build(levels);
}

/** Every error has `code`, and one of them says `message`. */
function expectRefused(res: GqlResponse, code: string, message: RegExp | string) {
  expect(res.data ?? null).toBeNull();
  expect(new Set(codes(res))).toEqual(new Set([code]));
  expect(res.errors!.map((e) => e.message)).toContainEqual(expect.stringMatching(message));
  for (const e of res.errors!) expect(e.message).not.toMatch(/\d/); // no limit, no count
}

const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: me { id }`).join(' ')} }`;
const directives = (n: number) => `{ me { id ${'@include(if: true) '.repeat(n)} } }`;
const tokens = (n: number) => `{ ${'__typename '.repeat(n)} }`;

describe('the API under hostile clients', () => {
  it('refuses deep nesting, 1,000 aliases, 50,000 directives and 135k tokens over HTTP, without saying the limits', async () => {
    const server = await startTestServer();
    const student = await person(server, 'STUDENT');
    const from = '127.0.0.2';

    const nested = nestedQuery(2048);
    expect(nested.length).toBeGreaterThanOrEqual(2048);
    await post(server, '{ me { id } }', {}, { token: student.token, from }); // warm: the first request compiles a lot
    const started = performance.now();
    const deep = await post(server, nested, {}, { token: student.token, from });
    const refusedInMs = performance.now() - started;
    expect(deep.status).toBe(400);
    expectRefused(deep.body, 'GRAPHQL_VALIDATION_FAILED', 'The query is nested too deeply.');
    report(`2 KB nested query (${nested.length} bytes) refused in ${refusedInMs.toFixed(1)} ms`);

    const manyAliases = await post(server, aliases(1000), {}, { token: student.token, from });
    expect(codes(manyAliases.body)).toEqual(['GRAPHQL_PARSE_FAILED']); // too many tokens to be built at all
    const someAliases = await post(server, aliases(16), {}, { token: student.token, from });
    expectRefused(someAliases.body, 'GRAPHQL_VALIDATION_FAILED', 'The query has too many aliases.');

    // 50,000 directives or 135k tokens are a body no student may send (HTTP_BODY_LIMIT_BYTES) …
    const hugeDirectives = await post(server, directives(50_000), {}, { token: student.token, from });
    expect(hugeDirectives.status).toBe(413);
    expect(codes(hugeDirectives.body)).toEqual(['PAYLOAD_TOO_LARGE']);
    // … and an admin's larger body is refused by the parser's token limit, before a document exists.
    for (const doc of [directives(50_000), tokens(135_000)]) {
      const res = await post(server, doc, {}, { token: server.adminToken, from });
      expect(res.status).toBe(400);
      expectRefused(res.body, 'GRAPHQL_PARSE_FAILED', 'Syntax Error: The document is too large.');
    }
    const someDirectives = await post(server, directives(21), {}, { token: student.token, from });
    expectRefused(someDirectives.body, 'GRAPHQL_VALIDATION_FAILED', 'The query has too many directives.');

    // A wide query within the depth limit is refused by its estimated cost.
    const wide = `{ lockerBanks { compartments { bank { site { banks { compartments { id label state } } } } } } }`;
    const costly = await post(server, wide, {}, { token: student.token, from });
    expectRefused(costly.body, 'GRAPHQL_VALIDATION_FAILED', /asks for too much/);

    const attacks = [nested, aliases(16), directives(21), wide, tokens(2_000)];
    let i = 0;
    const legit = await legitimateClient(server);
    const quiet = await legitLatencyDuring(legit, () => sleep(5), { concurrency: 1 });
    report(`legitimate median without attack: ${quiet.medianMs.toFixed(1)} ms`);
    const {
      medianMs,
      maxMs,
      attacks: sent,
    } = await legitLatencyDuring(legit, async () => {
      const res = await post(server, attacks[i++ % attacks.length]!, {}, { token: student.token, from });
      expect(res.body.data ?? null).toBeNull();
      expect(['GRAPHQL_VALIDATION_FAILED', 'GRAPHQL_PARSE_FAILED', 'RATE_LIMITED']).toContain(codes(res.body)[0]);
    });
    report(
      `HTTP document attacks: ${sent} sent; legitimate median ${medianMs.toFixed(1)} ms, max ${maxMs.toFixed(1)} ms`,
    );
    expect(medianMs).toBeLessThan(starvationLimitMs);
  });

  it('applies the same document rules to WebSocket operations, refusing each with an extensions.code', async () => {
    const server = await startTestServer();
    const student = await person(server, 'STUDENT');
    const ws = server.wsClient({ authorization: `Bearer ${student.token}` }, { webSocketImpl: wsFrom('127.0.0.2') });
    await connected(ws);

    const cases: [string, string, RegExp][] = [
      [nestedQuery(2048), 'GRAPHQL_VALIDATION_FAILED', /nested too deeply/],
      [aliases(16), 'GRAPHQL_VALIDATION_FAILED', /too many aliases/],
      [directives(21), 'GRAPHQL_VALIDATION_FAILED', /too many directives/],
      [tokens(5_000), 'GRAPHQL_PARSE_FAILED', /document is too large/],
      [
        `{ lockerBanks { compartments { bank { site { banks { compartments { id } } } } } } }`,
        'GRAPHQL_VALIDATION_FAILED',
        /too much/,
      ],
      [`mutation { a: signOut b: signOut }`, 'BAD_USER_INPUT', /more than once/],
      [`query ($s: String!) { people(search: $s) { id } }`, 'BAD_USER_INPUT', /too long/],
    ];
    for (const [query, code, message] of cases) {
      expectRefused(await execute(ws, query, { s: 'x'.repeat(10_001) }), code, message);
    }
    // The socket stays usable after refusals.
    expect((await execute(ws, '{ me { id } }')).data?.me).toMatchObject({ id: expect.any(String) });

    let i = 0;
    const { medianMs, attacks } = await legitLatencyDuring(await legitimateClient(server), async () => {
      const res = await execute(ws, cases[i++ % 4]![0]);
      expect(res.data ?? null).toBeNull();
    });
    report(`WebSocket document attacks: ${attacks} sent; legitimate median ${medianMs.toFixed(1)} ms`);
    expect(medianMs).toBeLessThan(starvationLimitMs);
  });

  it('hides the schema in production: no introspection, no "did you mean", no landing page, over HTTP and WebSocket', async () => {
    const prod = await startTestServer({ NODE_ENV: 'production', DEV_OUTBOX: 'false', SMTP_URL: 'smtp://127.0.0.1:1' });
    const student = await person(prod, 'STUDENT');
    const introspection = `{ __schema { types { name } } }`;
    const typo = `{ lockerBanks { nam } }`;
    const enumTypo = `mutation { setPersonRole(personId: "p", role: ADMN) { id } }`;

    const refused = await post(prod, introspection, {}, { from: '127.0.0.2' });
    expectRefused(refused.body, 'GRAPHQL_VALIDATION_FAILED', /Introspection is disabled/);
    const typeQuery = await post(prod, `{ __type(name: "Query") { name } }`);
    expectRefused(typeQuery.body, 'GRAPHQL_VALIDATION_FAILED', /Introspection is disabled/);
    for (const doc of [typo, enumTypo]) {
      const res = await post(prod, doc, {}, { from: '127.0.0.2' });
      expect(codes(res.body)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      expect(res.body.errors![0]!.message).not.toMatch(/Did you mean/);
    }
    // __typename is not introspection: the web app's cache needs it.
    expect((await post(prod, '{ __typename }')).body.data).toEqual({ __typename: 'Query' });

    const ws = prod.wsClient({ authorization: `Bearer ${student.token}` });
    expectRefused(await execute(ws, introspection), 'GRAPHQL_VALIDATION_FAILED', /Introspection is disabled/);
    const wsTypo = await execute(ws, typo);
    expect(wsTypo.errors![0]!.message).toMatch(/Cannot query field "nam"/);
    expect(wsTypo.errors![0]!.message).not.toMatch(/Did you mean/);

    // No landing page (Apollo's loads its JavaScript from a CDN); JSON-only security headers.
    const page = await fetch(prod.url, { headers: { accept: 'text/html' } });
    const text = await page.text();
    expect(page.headers.get('content-type')).not.toMatch(/text\/html/);
    expect(text).not.toMatch(/apollographql\.com|<script/);
    expect(page.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');

    const { medianMs } = await legitLatencyDuring(await legitimateClient(prod), () =>
      post(prod, introspection, {}, { from: '127.0.0.2' }),
    );
    expect(medianMs).toBeLessThan(starvationLimitMs);

    // Development keeps both for people building against the API.
    const dev = await startTestServer({ NODE_ENV: 'development' });
    expect((await post(dev, introspection)).body.data).toBeTruthy();
    expect((await post(dev, typo)).body.errors![0]!.message).toMatch(/Did you mean "name"\?/);
  });

  it('limits requests per client address and per token, on HTTP and WebSocket, with RATE_LIMITED and retryAfterMs', async () => {
    const server = await startTestServer({
      RATE_LIMIT_TOKEN_BURST: '20',
      RATE_LIMIT_TOKEN_PER_SECOND: '1',
      RATE_LIMIT_CLIENT_BURST: '40',
      RATE_LIMIT_CLIENT_PER_SECOND: '1',
      RATE_LIMIT_DEVICE_BURST: '30',
      RATE_LIMIT_DEVICE_PER_SECOND: '1',
    });
    const greedy = await person(server, 'STUDENT');
    const neighbour = await person(server, 'STUDENT');

    // Per token: 20 at once, then refused with when to come back.
    const answers = [];
    for (let i = 0; i < 25; i++)
      answers.push(await post(server, '{ me { id } }', {}, { token: greedy.token, from: '127.0.0.2' }));
    expect(answers.slice(0, 20).every((a) => a.status === 200 && a.body.data?.me)).toBe(true);
    const limited = answers[24]!;
    expect(limited.status).toBe(429);
    expect(codes(limited.body)).toEqual(['RATE_LIMITED']);
    expect(limited.body.errors![0]!.extensions!.retryAfterMs).toBeGreaterThan(0);
    expect(limited.headers['retry-after']).toBe('1');
    // A WebSocket operation with the spent token, from yet another address, is refused the same way.
    const greedyWs = server.wsClient(
      { authorization: `Bearer ${greedy.token}` },
      { webSocketImpl: wsFrom('127.0.0.4') },
    );
    await connected(greedyWs);
    while ((await post(server, '{ me { id } }', {}, { token: greedy.token, from: '127.0.0.4' })).status !== 429);
    const wsLimited = await execute(greedyWs, '{ me { id } }');
    expect(codes(wsLimited)).toEqual(['RATE_LIMITED']);
    expect(wsLimited.errors![0]!.extensions!.retryAfterMs).toBeGreaterThan(0);
    // Another token from the same address still has its own budget.
    expect((await post(server, '{ me { id } }', {}, { token: neighbour.token, from: '127.0.0.2' })).status).toBe(200);

    // Per client address: anonymous requests from one address, 40 at once.
    const flood = [];
    for (let i = 0; i < 45; i++) flood.push(await post(server, '{ me { id } }', {}, { from: '127.0.0.3' }));
    expect(flood.slice(0, 40).every((a) => a.status === 200)).toBe(true);
    expect(codes(flood[44]!.body)).toEqual(['RATE_LIMITED']);

    // WebSocket operations spend the same budgets: the flooded address (and below, the greedy token).
    const fromFlooded = server.wsClient(
      { authorization: `Bearer ${(await person(server, 'STUDENT')).token}` },
      { webSocketImpl: wsFrom('127.0.0.3') },
    );
    expect(codes(await execute(fromFlooded, '{ me { id } }'))).toEqual(['RATE_LIMITED']);

    // A controller on the flooded address has its own (by default larger) budget, per bank.
    const { deviceToken } = await server.createBank({ count: 2 });
    const controller = server.wsClient({ deviceToken }, { webSocketImpl: wsFrom('127.0.0.3') });
    const ops = [];
    for (let i = 0; i < 32; i++) ops.push(await execute(controller, '{ __typename }'));
    expect(ops.slice(0, 30).every((r) => r.data?.__typename === 'Query')).toBe(true);
    expect(codes(ops[31]!)).toEqual(['RATE_LIMITED']);

    // The legitimate client, on its own address and token, is unaffected while the flood goes on
    // (the flood gets the refill, 1 a second, and refusals for the rest).
    const statuses: number[] = [];
    // 5 quiet round trips and 12 measured stay within the legitimate token's burst of 20.
    const { medianMs } = await legitLatencyDuring(
      await legitimateClient(server),
      async () => {
        statuses.push((await post(server, '{ me { id } }', {}, { from: '127.0.0.3' })).status);
      },
      { samples: 12 },
    );
    expect(medianMs).toBeLessThan(starvationLimitMs);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(statuses.length * 0.8);

    // Budgets pay for work, not only for requests: the web app's board (estimated cost 19,625) spends 1 + 19 tokens.
    const heavy = await person(server, 'STUDENT');
    const board = `{ sites { id name timezone banks { id version name location status lastSeenAt
      counts { total available inUse open unavailable }
      compartments { id version bankId label size hasCharging accessible door occupancy charging state updatedAt } } } }`;
    expect((await post(server, board, {}, { token: heavy.token, from: '127.0.0.5' })).status).toBe(200);
    const afterBoard = await post(server, '{ me { id } }', {}, { token: heavy.token, from: '127.0.0.5' });
    expect(codes(afterBoard.body)).toEqual(['RATE_LIMITED']);
    const boardAgain = await post(
      server,
      board,
      {},
      { token: (await person(server, 'STUDENT')).token, from: '127.0.0.6' },
    );
    expect(boardAgain.status).toBe(200);
    const heavyWs = server.wsClient({ authorization: `Bearer ${heavy.token}` }, { webSocketImpl: wsFrom('127.0.0.7') });
    expect(codes(await execute(heavyWs, board))).toEqual(['RATE_LIMITED']);

    // Budgets refill: after retryAfterMs the greedy token gets answers again.
    await sleep(Number(limited.body.errors![0]!.extensions!.retryAfterMs) + 300);
    expect((await post(server, '{ me { id } }', {}, { token: greedy.token, from: '127.0.0.2' })).status).toBe(200);
  });

  it('refuses a socket’s operations past its cap (5,000 subscriptions on one student socket) and sockets past the per-address cap', async () => {
    const server = await startTestServer({ RATE_LIMIT_TOKEN_BURST: '100000', RATE_LIMIT_CLIENT_BURST: '100000' });
    const cap = server.services.config.WS_MAX_OPERATIONS_PER_SOCKET;
    const student = await person(server, 'STUDENT');
    const ws = server.wsClient({ authorization: `Bearer ${student.token}` }, { webSocketImpl: wsFrom('127.0.0.2') });
    await connected(ws);

    const refusals: (string | undefined)[] = [];
    const unsubscribes: (() => void)[] = [];
    const legit = await legitimateClient(server);
    await measureStarvationLimit(legit);
    const started = performance.now();
    for (let i = 0; i < 5_000; i++) {
      unsubscribes.push(
        ws.subscribe(
          { query: 'subscription { myParcelUpdated { id } }' },
          {
            next: () => {},
            error: (e) => refusals.push(...codes({ errors: e as GqlResponse['errors'] })),
            complete: () => {},
          },
        ),
      );
    }
    const during = await legitLatencyWhile(
      legit,
      eventually(() => refusals.length >= 5_000 - cap, 20_000),
    );
    report(
      `5,000 subscriptions: ${refusals.length} refused in ${(performance.now() - started).toFixed(0)} ms; ` +
        `legitimate median meanwhile ${during.medianMs.toFixed(1)} ms (${during.samples} samples)`,
    );
    expect(during.medianMs).toBeLessThan(starvationLimitMs);
    await sleep(200);
    expect(refusals).toHaveLength(5_000 - cap);
    expect(new Set(refusals)).toEqual(new Set(['TOO_MANY_SUBSCRIPTIONS']));

    // Completing one frees a place on the socket.
    unsubscribes[0]!();
    await sleep(100);
    const before = refusals.length;
    ws.subscribe(
      { query: 'subscription { myParcelUpdated { id } }' },
      { next() {}, error: () => refusals.push('x'), complete() {} },
    );
    await sleep(300);
    expect(refusals).toHaveLength(before);

    // Sockets per client address: the one past the cap is closed with 1013 (Try Again Later).
    // A controller on that address is not counted once it has authenticated.
    const { deviceToken } = await server.createBank({ count: 2 });
    const controller = server.wsClient({ deviceToken }, { webSocketImpl: wsFrom('127.0.0.3') });
    await connected(controller);
    expect(server.webSockets.guard.openSockets('127.0.0.3')).toBe(0);
    const maxSockets = server.services.config.WS_MAX_SOCKETS_PER_CLIENT;
    const sockets = [];
    for (let i = 0; i < maxSockets; i++) {
      const c = server.wsClient({ authorization: `Bearer ${student.token}` }, { webSocketImpl: wsFrom('127.0.0.3') });
      sockets.push(c);
      await connected(c);
    }
    const extra = server.wsClient({ authorization: `Bearer ${student.token}` }, { webSocketImpl: wsFrom('127.0.0.3') });
    expect(await closeCode(extra)).toBe(1013);
    expect(server.webSockets.guard.openSockets('127.0.0.3')).toBe(maxSockets);
    await sockets[0]!.dispose();
    await eventually(() => server.webSockets.guard.openSockets('127.0.0.3') === maxSockets - 1);
    const again = server.wsClient({ authorization: `Bearer ${student.token}` }, { webSocketImpl: wsFrom('127.0.0.3') });
    await connected(again);

    const { medianMs } = await legitLatencyDuring(legit, async () => {
      const c = server.wsClient({ authorization: `Bearer ${student.token}` }, { webSocketImpl: wsFrom('127.0.0.3') });
      expect(await closeCode(c)).toBe(1013);
    });
    expect(medianMs).toBeLessThan(starvationLimitMs);
  });

  it('closes a subscriber that stops reading before its unsent output passes WS_MAX_BUFFERED_BYTES', async () => {
    const server = await startTestServer();
    const limit = server.services.config.WS_MAX_BUFFERED_BYTES;
    const { bankId, deviceToken } = await server.createBank({ count: 24 });
    // 500 events with 500-character details: each answer below is ~300 KB.
    const controller = server.wsClient({ deviceToken });
    const labels = (
      await server.gql(`query ($id: ID!) { lockerBank(id: $id) { compartments { label } } }`, { id: bankId })
    ).data.lockerBank.compartments.map((c: { label: string }) => c.label) as string[];
    const detail = 'd'.repeat(500);
    for (let batch = 0; batch < 4; batch++) {
      const events = Array.from({ length: 125 }, (_, i) => {
        const seq = batch * 125 + i + 1;
        return {
          seq,
          label: labels[seq % labels.length]!,
          kind: seq % 2 ? 'DOOR_OPENED' : 'DOOR_CLOSED',
          at: new Date().toISOString(),
          detail,
        };
      });
      const res = await execute(
        controller,
        `mutation ($e: [LockerEventInput!]!) { reportLockerEvents(events: $e) { acceptedThroughSeq } }`,
        { e: events },
      );
      expect(res.data?.reportLockerEvents.acceptedThroughSeq).toBe((batch + 1) * 125);
    }
    const BIG = `query ($id: ID!) { lockerBank(id: $id) {
      compartments { id label size door occupancy state updatedAt }
      events(limit: 500) { id kind compartmentLabel occurredAt receivedAt detail } } }`;

    // A raw client that connects, then stops reading its socket and keeps asking.
    const raw = new WebSocket(server.wsUrl, 'graphql-transport-ws', { localAddress: '127.0.0.2' });
    track(raw, () => raw.terminate());
    await once(raw, 'open');
    raw.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${server.adminToken}` } }));
    await once(raw, 'message');
    let clientClose: number | null = null;
    raw.on('close', (code) => (clientClose = code));
    const serverSide = [...server.webSockets.wss.clients].find(
      (s) => server.webSockets.guard.clientOf(s) === '127.0.0.2',
    )!;
    expect(serverSide).toBeDefined();

    const legit = await legitimateClient(server);
    await measureStarvationLimit(legit);
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, serverSide.bufferedAmount)), 2);
    track(null, () => clearInterval(sampler));
    (raw as unknown as { _socket: Socket })._socket.pause();
    for (let i = 0; i < 120; i++)
      raw.send(JSON.stringify({ id: `q${i}`, type: 'subscribe', payload: { query: BIG, variables: { id: bankId } } }));

    const started = performance.now();
    const during = await legitLatencyWhile(
      legit,
      eventually(() => server.webSockets.guard.slowConsumersDropped() === 1, 20_000),
    );
    const droppedAfterMs = performance.now() - started;
    expect(during.medianMs).toBeLessThan(starvationLimitMs);
    await eventually(() => !server.webSockets.wss.clients.has(serverSide), 5_000);
    clearInterval(sampler);
    report(
      `slow consumer: dropped after ${droppedAfterMs.toFixed(0)} ms; peak server-side buffer ${(peak / 1024).toFixed(0)} KiB ` +
        `(limit ${(limit / 1024).toFixed(0)} KiB); ` +
        `legitimate median meanwhile ${during.medianMs.toFixed(1)} ms (${during.samples} samples)`,
    );
    expect(peak).toBeLessThanOrEqual(limit);
    expect(peak).toBeGreaterThan(0);

    // Once it reads again it learns it was closed: 1013 if the close frame got through, else the connection was cut.
    (raw as unknown as { _socket: Socket })._socket.resume();
    await eventually(() => clientClose !== null, 5_000);
    expect([1013, 1006]).toContain(clientClose);
  });

  it('refuses the same mutation twice in one document, and makes a repeated door report the same open alert', async () => {
    const server = await startTestServer();
    const { bankId } = await server.createBank({ count: 4 });
    // A bank-and-door report (no parcel) is a staff member's; a recipient reports by parcel.
    const student = await person(server, 'STAFF');
    const alertCount = async () => (await server.gql(`{ staffAlerts { id kind } }`)).data.staffAlerts.length as number;

    const report200 = `mutation { ${Array.from(
      { length: 200 },
      (_, i) => `r${i}: reportDoorDidNotOpen(bankId: "${bankId}", compartmentLabel: "A01") { id }`,
    ).join(' ')} }`;
    const many = await post(server, report200, {}, { token: student.token, from: '127.0.0.2' });
    expect(many.body.data ?? null).toBeNull();
    expect(codes(many.body)[0]).toMatch(/GRAPHQL_(PARSE|VALIDATION)_FAILED/);
    const two = await post(
      server,
      `mutation { a: reportDoorDidNotOpen(bankId: "${bankId}") { id } b: reportDoorDidNotOpen(bankId: "${bankId}") { id } }`,
      {},
      { token: student.token, from: '127.0.0.2' },
    );
    expect(two.status).toBe(400);
    expect(codes(two.body)).toEqual(['BAD_USER_INPUT']);
    expect(two.body.errors![0]!.extensions!.field).toBe('reportDoorDidNotOpen');
    expect(await alertCount()).toBe(0);

    const single = `mutation ($b: ID!) { reportDoorDidNotOpen(bankId: $b, compartmentLabel: "A01") { id } }`;
    const first = await post(server, single, { b: bankId }, { token: student.token });
    const again = await post(server, single, { b: bankId }, { token: student.token });
    expect(again.body.data!.reportDoorDidNotOpen).toEqual(first.body.data!.reportDoorDidNotOpen);
    expect(await alertCount()).toBe(1);

    const { medianMs } = await legitLatencyDuring(await legitimateClient(server), () =>
      post(server, report200, {}, { token: student.token, from: '127.0.0.2' }),
    );
    expect(medianMs).toBeLessThan(starvationLimitMs);
    expect(await alertCount()).toBe(1);
  });

  it('accepts push endpoints on public hosts only, and never connects to a private one, at registration or at send time', async () => {
    const server = await startTestServer();
    const student = await person(server, 'STUDENT');
    let connections = 0;
    const listener = createTcpServer((s) => {
      connections++;
      s.destroy();
    });
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
    track(listener, () => new Promise<void>((r) => listener.close(() => r())));
    const port = (listener.address() as { port: number }).port;
    const keys = { p256dh: 'B'.repeat(87), auth: 'A'.repeat(22) };
    const REGISTER = `mutation ($i: PushSubscriptionInput!) { registerPushSubscription(input: $i) { id } }`;

    for (const endpoint of [
      `https://127.0.0.1:${port}/push/1`,
      `https://localhost:${port}/push/2`,
      `https://[::1]:${port}/push/3`,
      `https://[::ffff:127.0.0.1]:${port}/push/4`,
      `https://10.0.0.8/push/5`,
      `https://192.168.1.1/push/6`,
      `https://169.254.169.254/latest/meta-data`,
      `https://100.64.0.1/push/7`,
      `https://[fd00::1]/push/8`,
      `http://fcm.googleapis.com/fcm/send/9`,
    ]) {
      const res = await post(server, REGISTER, { i: { endpoint, ...keys } }, { token: student.token });
      expect(codes(res.body), endpoint).toEqual(['BAD_USER_INPUT']);
    }

    // A device registered while its name pointed at a public address, now pointing inward (DNS rebinding):
    // the check at send time drops the notice instead of connecting.
    await server.services.notify.store.upsertPushDevice({
      id: 'pdev_rebound',
      personId: student.id,
      endpoint: `https://127.0.0.1:${port}/push/rebound`,
      ...keys,
      label: 'Browser',
      createdAt: new Date(),
    });
    const droppedBefore = await server.services.notify.store.countByStatus('DROPPED');
    await server.services.db.transaction((tx) =>
      server.services.notify.enqueue(tx, {
        personId: student.id,
        dedupeKey: 'hostile-push',
        subject: 'Test',
        body: 'Test',
        timeZone: 'UTC',
        urgent: true,
      }),
    );
    server.services.notify.kick();
    await eventually(async () => (await server.services.notify.store.countByStatus('DROPPED')) > droppedBefore);

    const { medianMs } = await legitLatencyDuring(await legitimateClient(server), () =>
      post(
        server,
        REGISTER,
        { i: { endpoint: `https://127.0.0.1:${port}/x`, ...keys } },
        { token: student.token, from: '127.0.0.2' },
      ),
    );
    expect(medianMs).toBeLessThan(starvationLimitMs);
    expect(connections).toBe(0);
  });

  it('shows the dev outbox to admins only, and refuses DEV_OUTBOX with NODE_ENV=production at start', async () => {
    const server = await startTestServer({ NODE_ENV: 'development' });
    const OUTBOX = `{ devOutbox { subject } }`;
    expect(codes((await post(server, OUTBOX)).body)).toEqual(['UNAUTHENTICATED']);
    expect(codes((await post(server, OUTBOX, {}, { token: (await person(server, 'STUDENT')).token })).body)).toEqual([
      'FORBIDDEN',
    ]);
    expect((await post(server, OUTBOX, {}, { token: server.adminToken })).body.data?.devOutbox).toEqual([]);
    await expect(
      startTestServer({ NODE_ENV: 'production', DEV_OUTBOX: 'true', SMTP_URL: 'smtp://127.0.0.1:1' }),
    ).rejects.toThrow(/DEV_OUTBOX/);

    const { medianMs } = await legitLatencyDuring(await legitimateClient(server), () =>
      post(server, OUTBOX, {}, { from: '127.0.0.2' }),
    );
    expect(medianMs).toBeLessThan(starvationLimitMs);
  });

  it('cuts slow senders (headers, body) and keeps bodies and strings small, except a directory import', async () => {
    const server = await startTestServer({
      HTTP_KEEP_ALIVE_TIMEOUT_MS: '1000',
      HTTP_HEADERS_TIMEOUT_MS: '1500',
      HTTP_REQUEST_TIMEOUT_MS: '3000',
    });
    const student = await person(server, 'STUDENT');
    const { port } = server;

    /** A client that dribbles a request and never finishes; resolves with how long the server kept it. */
    const slowloris = (head: string, dribble: string) =>
      new Promise<number>((resolve) => {
        const started = performance.now();
        const socket = connect({ port, host: '127.0.0.1', localAddress: '127.0.0.2' });
        track(socket, () => void socket.destroy());
        let timer: NodeJS.Timeout;
        socket.on('connect', () => {
          socket.write(head);
          timer = setInterval(() => socket.write(dribble), 200);
        });
        socket.on('error', () => {});
        socket.on('close', () => {
          clearInterval(timer);
          resolve(performance.now() - started);
        });
      });
    const legit = await legitimateClient(server);
    const limitMs = await measureStarvationLimit(legit);
    const [headersCut, bodyCut] = await Promise.all([
      slowloris('POST /graphql HTTP/1.1\r\nHost: x\r\n', 'X-A: b\r\n'),
      slowloris(
        'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n',
        ' ',
      ),
      (async () => {
        const started = performance.now();
        await legit();
        expect(performance.now() - started).toBeLessThan(limitMs);
      })(),
    ]);
    report(`slow headers cut after ${headersCut.toFixed(0)} ms, slow body after ${bodyCut.toFixed(0)} ms`);
    expect(headersCut).toBeLessThan(4_000);
    expect(bodyCut).toBeLessThan(6_000);
    expect(bodyCut).toBeGreaterThan(2_500);

    // Bodies: small for everyone, larger for the roles that may import a directory.
    const csv = `email,name\r\nada@uni.test,Ada\r\nbo@uni.test,Bo\r\n${'\r\n'.repeat(150_000)}`;
    const IMPORT = `mutation ($csv: String!) { importPeople(csv: $csv) { created } }`;
    const fromStudent = await post(server, IMPORT, { csv }, { token: student.token });
    expect(fromStudent.status).toBe(413);
    expect(codes(fromStudent.body)).toEqual(['PAYLOAD_TOO_LARGE']);
    const fromAdmin = await post(server, IMPORT, { csv }, { token: server.adminToken });
    expect(fromAdmin.body.data?.importPeople.created).toBe(2);
    // Strings: 10,000 characters anywhere else, inline or in variables.
    const search = `query ($s: String!) { people(search: $s) { id } }`;
    const long = await post(server, search, { s: 'x'.repeat(10_001) }, { token: server.adminToken });
    expect(long.status).toBe(400);
    expect(codes(long.body)).toEqual(['BAD_USER_INPUT']);
    expect((await post(server, search, { s: 'x'.repeat(10_000) }, { token: server.adminToken })).status).toBe(200);
    const notJson = await post(server, '', {}, { body: '{"query": ' });
    expect(notJson.status).toBe(400);
    expect(codes(notJson.body)).toEqual(['BAD_REQUEST']);
  });
});

describe('the API server’s own headers', () => {
  it('sends nosniff, frame-ancestors none and no-store on every answer, and HSTS only over TLS', async () => {
    const server = await startTestServer({ TRUST_PROXY: 'loopback' });
    for (const path of ['/graphql', '/healthz']) {
      const res = await fetch(server.url.replace('/graphql', path), {
        method: path === '/graphql' ? 'POST' : 'GET',
        headers: { 'content-type': 'application/json' },
        ...(path === '/graphql' ? { body: JSON.stringify({ query: '{ __typename }' }) } : {}),
      });
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('strict-transport-security')).toBeNull();
    }
    const viaTls = await fetch(server.url.replace('/graphql', '/healthz'), {
      headers: { 'x-forwarded-proto': 'https' },
    });
    expect(viaTls.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
  });
});
