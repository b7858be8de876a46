/**
 * The operator's endpoints against the real server: /healthz (alive),
 * /readyz (database, migrations, Redis through the Bus's probe) and /metrics
 * (Prometheus text, its access rules, and counters that move with real
 * controller and subscriber traffic).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { startServer } from '../src/app.js';
import { createInProcessBus, type Bus } from '../src/bus/index.js';
import { parseConfig } from '../src/config/index.js';
import { newId } from '../src/shared/ids.js';
import { metricsRefusal } from '../src/ops/routes.js';
import { describeMigrations, readMigrationJournal } from '../src/ops/readiness.js';
import { track } from './helpers/disposables.js';
import { migrationsTable, runSql } from './helpers/engine.js';
import { eventually } from './helpers/parcels.js';
import { startRedis } from './helpers/redis.js';
import { collect, connected, execute, startTestServer, type TestServer } from './helpers/server.js';

const REPORT = `mutation ($events: [LockerEventInput!]!) {
  reportLockerEvents(events: $events) { acceptedThroughSeq resendFromSeq stored duplicates rejected { seq reason } }
}`;
const OPEN = `mutation ($input: OpenCompartmentInput!) {
  openCompartment(input: $input) { __typename ... on CommandIssued { command { id } } }
}`;
const COMMANDS = `subscription { lockerCommands { id } }`;
const ACK = `mutation ($id: ID!, $outcome: CommandOutcome!) { acknowledgeCommand(id: $id, outcome: $outcome) { command { id status } } }`;
const ev = (seq: number, label: string, kind: string) => ({ seq, label, kind, at: new Date().toISOString() });

const base = (server: { url: string }) => server.url.replace(/\/graphql$/, '');
const get = (server: { url: string }, path: string, headers: Record<string, string> = {}) =>
  fetch(`${base(server)}${path}`, { headers });

interface ReadyBody {
  ok: boolean;
  instance: string;
  failing?: string[];
  checks: { name: string; ok: boolean; ms: number; detail?: string }[];
}
const readyz = async (server: { url: string }) => {
  const res = await get(server, '/readyz');
  return { status: res.status, body: (await res.json()) as ReadyBody };
};
const check = (body: ReadyBody, name: string) => body.checks.find((c) => c.name === name);

/** One sample of the Prometheus text: `name{a="x",b="y"} value`; every given label must match. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}
const scrape = async (server: { url: string }) => {
  const res = await get(server, '/metrics');
  expect(res.status).toBe(200);
  return res.text();
};

describe('/healthz', () => {
  it('answers alive with the instance, without touching the database (still 200 once it is closed)', async () => {
    const server = await startTestServer({ INSTANCE_ID: 'ops-alive' });
    const res = await get(server, '/healthz');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    // ok and connectedBanks are what /healthz answered before: probes and scripts keep working.
    expect(await res.json()).toMatchObject({ ok: true, status: 'alive', instance: 'ops-alive', connectedBanks: 0 });
    await server.services.db.close();
    const after = await get(server, '/healthz');
    expect(after.status).toBe(200);
    expect((await readyz(server)).status).toBe(503);
  });
});

describe('/readyz', () => {
  it('is 200 with the database and migrations checked, and no Redis check without REDIS_URL', async () => {
    const server = await startTestServer({ INSTANCE_ID: 'ops-ready' });
    const { status, body } = await readyz(server);
    expect(status).toBe(200);
    const journal = readMigrationJournal(server.services.db.migrationsFolder);
    expect(body).toMatchObject({ ok: true, instance: 'ops-ready' });
    expect(body.checks.map((c) => c.name)).toEqual(['database', 'migrations']);
    expect(check(body, 'database')?.ok).toBe(true);
    expect(check(body, 'migrations')).toMatchObject({
      ok: true,
      detail: `current (${journal.length} of ${journal.length} applied)`,
    });
  });

  it('is 503 naming the database when the database is closed', async () => {
    const server = await startTestServer();
    await server.services.db.close();
    const { status, body } = await readyz(server);
    expect(status).toBe(503);
    expect(body.ok).toBe(false);
    expect(body.failing).toContain('database');
    expect(check(body, 'database')?.detail).toMatch(/not open/i);
  });

  it('is 503 naming the migrations when the database is behind the code, and 200 again once it is not', async () => {
    const server = await startTestServer();
    const journal = readMigrationJournal(server.services.db.migrationsFolder);
    const newest = journal.at(-1)!;
    const { db } = server.services;
    await runSql(db, sql`delete from ${migrationsTable(db)} where created_at = ${newest.when}`);
    const behind = await readyz(server);
    expect(behind.status).toBe(503);
    expect(behind.body.failing).toEqual(['migrations']);
    expect(check(behind.body, 'migrations')?.detail).toBe(
      `behind: ${journal.length - 1} of ${journal.length} applied, missing ${newest.tag}`,
    );
    await runSql(db, sql`insert into ${migrationsTable(db)} (hash, created_at) values ('restored', ${newest.when})`);
    expect((await readyz(server)).status).toBe(200);
  });

  it('stays ready when a newer release has migrated further (rolling upgrade), and says so', async () => {
    const server = await startTestServer();
    const { db } = server.services;
    await runSql(
      db,
      sql`insert into ${migrationsTable(db)} (hash, created_at) values ('newer', ${Date.now() + 86_400_000})`,
    );
    const { status, body } = await readyz(server);
    expect(status).toBe(200);
    expect(check(body, 'migrations')?.detail).toMatch(/the database has 1 newer, from a newer release/);
  });

  it('compares against drizzle’s rule: every journal entry newer than the newest applied is missing', () => {
    const journal = [
      { tag: '0000_a', when: 10 },
      { tag: '0001_b', when: 20 },
      { tag: '0002_c', when: 30 },
    ];
    expect(describeMigrations([10, 20, 30], journal)).toBe('current (3 of 3 applied)');
    expect(() => describeMigrations([10], journal)).toThrow('behind: 1 of 3 applied, missing 0001_b, 0002_c');
    expect(() => describeMigrations([], journal)).toThrow('behind: 0 of 3 applied, missing 0000_a, 0001_b, 0002_c');
  });

  describe('with REDIS_URL', () => {
    it('checks Redis with a PING: 503 naming redis while it is down, 200 again once it is back', async () => {
      const redis = await startRedis();
      track(redis, () => redis.stop());
      const server = await startTestServer({ REDIS_URL: redis.url });
      const up = await readyz(server);
      expect(up.status).toBe(200);
      expect(up.body.checks.map((c) => [c.name, c.ok])).toEqual([
        ['database', true],
        ['migrations', true],
        ['redis', true],
      ]);
      await redis.kill();
      const down = await eventually(async () => {
        const r = await readyz(server);
        return r.status === 503 ? r : null;
      }, 10_000);
      expect(down.body.failing).toEqual(['redis']);
      expect(check(down.body, 'redis')?.detail).toMatch(/^redis: /);
      await redis.start();
      await eventually(async () => (await readyz(server)).status === 200, 20_000);
    }, 60_000);

    it('follows a Bus’s own ready probe: 503 with its reason while it fails, 200 once it answers', async () => {
      const redis = await startRedis();
      track(redis, () => redis.stop());
      let reachable = false;
      const bus: Bus = {
        ...createInProcessBus(),
        ready: () => (reachable ? Promise.resolve() : Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:1'))),
      };
      const dir = mkdtempSync(join(tmpdir(), 'baylight-ops-'));
      const config = parseConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_FILE: join(dir, 'baylight.db'),
        PICKUP_SIGNING_KEY_FILE: join(dir, 'keys.json'),
        LOG_LEVEL: 'silent',
        REDIS_URL: redis.url,
      });
      const server = await startServer({ config, bus });
      track(server, async () => {
        await server.close();
        rmSync(dir, { recursive: true, force: true });
      });
      const down = await readyz(server);
      expect(down.status).toBe(503);
      expect(down.body.failing).toEqual(['redis']);
      expect(check(down.body, 'redis')?.detail).toBe('connect ECONNREFUSED 127.0.0.1:1');
      reachable = true;
      const upAgain = await readyz(server);
      expect(upAgain.status).toBe(200);
    }, 60_000);
  });
});

describe('/metrics access', () => {
  it('answers loopback callers without METRICS_TOKEN, with every series labelled by the instance', async () => {
    const server = await startTestServer({ INSTANCE_ID: 'ops-metrics' });
    const res = await get(server, '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    for (const name of [
      'baylight_websocket_connections',
      'baylight_subscriptions_active',
      'baylight_controller_events_total',
      'baylight_subscription_messages_total',
      'baylight_command_ack_seconds',
      'baylight_outbox_notifications',
      'baylight_graphql_duration_seconds',
      'process_cpu_user_seconds_total',
      'nodejs_eventloop_lag_seconds',
    ]) {
      expect(text, name).toContain(`# TYPE ${name} `);
    }
    const series = text.split('\n').filter((l) => l && !l.startsWith('#'));
    expect(series.length).toBeGreaterThan(20);
    for (const line of series.filter((l) => l.startsWith('baylight_'))) {
      expect(line).toContain('instance_id="ops-metrics"');
    }
  });

  it('refuses a loopback request that came through a proxy, saying why', async () => {
    const server = await startTestServer();
    const res = await get(server, '/metrics', { 'x-forwarded-for': '203.0.113.7' });
    expect(res.status).toBe(403);
    expect(await res.text()).toMatch(/came through a proxy \(x-forwarded-for\).*Set METRICS_TOKEN/);
  });

  it('refuses other addresses without METRICS_TOKEN, saying why', () => {
    const refusal = metricsRefusal({ headers: {}, socket: { remoteAddress: '10.1.2.3' } }, undefined);
    expect(refusal).toEqual({ status: 403, message: expect.stringMatching(/only loopback.*came from 10\.1\.2\.3/) });
    for (const address of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) {
      expect(metricsRefusal({ headers: {}, socket: { remoteAddress: address } }, undefined)).toBeNull();
    }
    expect(metricsRefusal({ headers: {}, socket: { remoteAddress: '::ffff:10.0.0.1' } }, undefined)?.status).toBe(403);
  });

  it('with METRICS_TOKEN, wants exactly that bearer token, from loopback or not', async () => {
    const token = 'metrics-token-0123456789abcdef';
    const server = await startTestServer({ METRICS_TOKEN: token });
    const none = await get(server, '/metrics');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
    expect(await none.text()).toMatch(/Authorization: Bearer <METRICS_TOKEN>/);
    expect((await get(server, '/metrics', { authorization: `Bearer ${token}x` })).status).toBe(401);
    expect((await get(server, '/metrics', { authorization: token })).status).toBe(401);
    const ok = await get(server, '/metrics', { authorization: `Bearer ${token}`, 'x-forwarded-for': '203.0.113.7' });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('baylight_controller_events_total');
    expect(
      metricsRefusal({ headers: { authorization: `Bearer ${token}` }, socket: { remoteAddress: '10.1.2.3' } }, token),
    ).toBeNull();
  });

  it('/readyz tells its checks’ reasons only to whoever may read /metrics', async () => {
    const token = 'metrics-token-0123456789abcdef';
    const server = await startTestServer({ METRICS_TOKEN: token });
    const anyone = (await (await get(server, '/readyz')).json()) as ReadyBody;
    expect(anyone.ok).toBe(true);
    expect(anyone.checks.map((c) => c.name)).toEqual(['database', 'migrations']);
    expect(anyone.checks.every((c) => !('detail' in c))).toBe(true);
    const operator = (await (await get(server, '/readyz', { authorization: `Bearer ${token}` })).json()) as ReadyBody;
    expect(check(operator, 'migrations')?.detail).toMatch(/^current/);
  });
});

describe('/metrics figures', () => {
  async function controllerAndSubscriber(server: TestServer) {
    const { bankId, deviceToken } = await server.createBank({ count: 4 });
    const controller = server.wsClient({ deviceToken });
    await connected(controller);
    const viewer = server.wsClient({ authorization: `Bearer ${await server.tokenFor('ADMIN')}` });
    await connected(viewer);
    return { bankId, controller, viewer };
  }

  it('counts sockets by kind and subscriptions while they run, and forgets them when they end', async () => {
    const server = await startTestServer();
    const { controller, viewer } = await controllerAndSubscriber(server);
    const live = collect(viewer, `subscription { compartmentUpdated { label door version } }`);
    const commands = collect(controller, COMMANDS);
    await expect.poll(async () => sample(await scrape(server), 'baylight_subscriptions_active')).toBe(2);
    const text = await scrape(server);
    expect(sample(text, 'baylight_websocket_connections', { kind: 'controller' })).toBe(1);
    expect(sample(text, 'baylight_websocket_connections', { kind: 'person' })).toBe(1);
    expect(sample(text, 'baylight_websocket_connections', { kind: 'kiosk' })).toBe(0);
    expect(sample(text, 'baylight_websocket_connections', { kind: 'unauthenticated' })).toBe(0);

    live.unsubscribe();
    await expect.poll(async () => sample(await scrape(server), 'baylight_subscriptions_active')).toBe(1);
    await viewer.dispose();
    await expect
      .poll(async () => sample(await scrape(server), 'baylight_websocket_connections', { kind: 'person' }))
      .toBe(0);
    // The controller's socket closes with its subscription still running: counted out all the same.
    await controller.dispose();
    await expect.poll(async () => sample(await scrape(server), 'baylight_subscriptions_active')).toBe(0);
    expect(commands.items).toEqual([]);
  });

  it('counts controller events by outcome and the subscription messages delivered for them', async () => {
    const server = await startTestServer();
    const { controller, viewer } = await controllerAndSubscriber(server);
    const live = collect(viewer, `subscription { compartmentUpdated { label door version } }`);
    await expect.poll(async () => sample(await scrape(server), 'baylight_subscriptions_active')).toBe(1);
    const before = await scrape(server);
    expect(sample(before, 'baylight_controller_events_total', { outcome: 'accepted' })).toBe(0);
    expect(sample(before, 'baylight_subscription_messages_total')).toBe(0);

    const opened = ev(1, 'A01', 'DOOR_OPENED');
    const first = await execute(controller, REPORT, { events: [opened, ev(2, 'C04', 'DOOR_OPENED')] });
    expect(first.data.reportLockerEvents).toMatchObject({ stored: 2, rejected: [{ seq: 2 }] });
    await live.until((items) => items.some((i) => i.data?.compartmentUpdated.door === 'OPEN'));
    // Seq 1 again (duplicate) and seq 5 after a gap (asked to be resent from 3).
    const second = await execute(controller, REPORT, {
      events: [opened, ev(5, 'A01', 'DOOR_CLOSED')],
    });
    expect(second.data.reportLockerEvents).toMatchObject({ duplicates: 1, resendFromSeq: 3 });

    const after = await scrape(server);
    expect(sample(after, 'baylight_controller_events_total', { outcome: 'accepted' })).toBe(1);
    expect(sample(after, 'baylight_controller_events_total', { outcome: 'rejected' })).toBe(1);
    expect(sample(after, 'baylight_controller_events_total', { outcome: 'duplicate' })).toBe(1);
    expect(sample(after, 'baylight_controller_events_total', { outcome: 'resend' })).toBe(1);
    // One message per subscriber per event it received; the controller's mutation results are not counted.
    expect(sample(after, 'baylight_subscription_messages_total')).toBe(live.items.length);
    expect(live.items.length).toBeGreaterThanOrEqual(1);
    // Both reports ran as WebSocket mutations; the metrics scrapes are not GraphQL.
    expect(sample(after, 'baylight_graphql_duration_seconds_count', { operation: 'mutation', transport: 'ws' })).toBe(
      2,
    );
  });

  it('times a command from issued to its first acknowledgement, once', async () => {
    const server = await startTestServer();
    const { bankId, controller } = await controllerAndSubscriber(server);
    const commands = collect(controller, COMMANDS);
    await expect.poll(async () => sample(await scrape(server), 'baylight_subscriptions_active')).toBe(1);
    const opened = await server.gql(OPEN, { input: { bankId, label: 'A01', reason: 'metrics test' } });
    expect(opened.data.openCompartment.__typename).toBe('CommandIssued');
    const [first] = await commands.until((items) => items.length === 1);
    const id = first!.data!.lockerCommands.id as string;
    await execute(controller, ACK, { id, outcome: 'OPENED' });
    await execute(controller, ACK, { id, outcome: 'OPENED' }); // a repeated answer counts once
    const text = await scrape(server);
    const labels = { kind: 'OPEN_COMPARTMENT', outcome: 'OPENED' };
    expect(sample(text, 'baylight_command_ack_seconds_count', labels)).toBe(1);
    expect(sample(text, 'baylight_command_ack_seconds_bucket', { ...labels, le: '+Inf' })).toBe(1);
    expect(sample(text, 'baylight_command_ack_seconds_sum', labels)).toBeLessThan(5);
    // The HTTP mutation that issued it, timed by the Apollo plugin.
    expect(
      sample(text, 'baylight_graphql_duration_seconds_count', { operation: 'mutation', transport: 'http' }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('reports the outbox depth as the store counts it', async () => {
    const server = await startTestServer();
    const person = await server.services.people.createPerson({
      email: 'outbox@test.baylight.dev',
      name: 'Outbox',
      role: 'STUDENT',
      department: null,
    });
    expect(sample(await scrape(server), 'baylight_outbox_notifications', { status: 'pending' })).toBe(0);
    const now = new Date();
    // Due tomorrow: stays PENDING while the test looks.
    await server.services.db.transaction(async (tx) =>
      server.services.notify.store.enqueue(
        tx,
        [1, 2, 3].map((n) => ({
          id: newId('ntf'),
          dedupeKey: `ops-test-${n}`,
          personId: person.id,
          channel: 'EMAIL' as const,
          subject: 'later',
          body: 'later',
          notBefore: new Date(now.getTime() + 86_400_000),
          createdAt: now,
        })),
      ),
    );
    const text = await scrape(server);
    expect(sample(text, 'baylight_outbox_notifications', { status: 'pending' })).toBe(3);
    expect(sample(text, 'baylight_outbox_notifications', { status: 'sending' })).toBe(0);
    expect(await server.services.notify.store.countByStatus('PENDING')).toBe(3);
  });

  it('keeps the figures of two instances in one process apart', async () => {
    const a = await startTestServer({ INSTANCE_ID: 'ops-a' });
    const b = await startTestServer({ INSTANCE_ID: 'ops-b' });
    await a.gql(`{ sites { id } }`);
    const textA = await scrape(a);
    const textB = await scrape(b);
    const count = (text: string, instance: string) =>
      sample(text, 'baylight_graphql_duration_seconds_count', {
        operation: 'query',
        transport: 'http',
        instance_id: instance,
      });
    // A's tokenFor setup ran no GraphQL; the one query is A's only.
    expect(count(textA, 'ops-a')).toBe(1);
    expect(count(textB, 'ops-b')).toBeUndefined();
  });
});
