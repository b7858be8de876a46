/**
 * Two real server instances on one SQLite file (WAL) and one Redis
 * (REDIS_URL): what one instance learns, the other's subscribers see; a
 * budget spent on one is spent on the other; a Redis restart is survived.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUS_RESYNC_TOPIC, type BusResync } from '../src/bus/index.js';
import { topics } from '../src/lockers/types.js';
import { freshPostgresDatabase } from './helpers/engine.js';
import { track } from './helpers/disposables.js';
import { startRedis, type TestRedis } from './helpers/redis.js';
import { collect, connected, execute, startTestServer, type TestServer } from './helpers/server.js';

const REPORT = `mutation ($events: [LockerEventInput!]!) { reportLockerEvents(events: $events) { acceptedThroughSeq } }`;
const UPDATES = `subscription ($b: ID) { compartmentUpdated(bankId: $b) { label door version } }`;
const ev = (seq: number, label: string, kind: string) => ({ seq, label, kind, at: new Date().toISOString() });

async function twoInstances(redis: TestRedis, env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'baylight-cluster-'));
  track(null, () => rmSync(dir, { recursive: true, force: true }));
  // On a PostgreSQL run both share one database; on SQLite, one file (in `dir`).
  const databaseUrl = (await freshPostgresDatabase()) ?? undefined;
  const start = (id: string) =>
    startTestServer(
      { REDIS_URL: redis.url, INSTANCE_ID: id, ...env },
      { dir, ...(databaseUrl ? { databaseUrl } : {}) },
    );
  // One after the other: the first migrates the shared file, the second finds it current.
  const a = await start('a');
  const b = await start('b');
  return { a, b };
}

/** Until Redis reports `count` instances subscribed to the channel of `topic`. */
async function subscribedInstances(redis: TestRedis, topic: string, count: number) {
  const admin = redis.client();
  const deadline = Date.now() + 5_000;
  for (;;) {
    const [, n] = (await admin.pubsub('NUMSUB', `baylight:bus:${topic}`)) as [string, number];
    if (n >= count) return;
    if (Date.now() > deadline) throw new Error(`${n} of ${count} instances subscribed to ${topic}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function controllerOn(server: TestServer, deviceToken: string) {
  const controller = server.wsClient({ deviceToken });
  await connected(controller);
  return (events: ReturnType<typeof ev>[]) => execute(controller, REPORT, { events });
}

describe('two instances sharing one database and one Redis', () => {
  it('delivers to a subscriber on A the compartment event a controller reports on B, and survives a Redis restart', async () => {
    const redis = await startRedis();
    const { a, b } = await twoInstances(redis);
    expect(a.cluster.mode).toBe('redis');
    expect(await a.ready()).toEqual({ ok: true });
    const { bankId, deviceToken } = await a.createBank({ count: 4 });
    const report = await controllerOn(b, deviceToken);

    const student = await a.tokenFor('STUDENT');
    const onA = collect(a.wsClient({ authorization: `Bearer ${student}` }), UPDATES, { b: bankId });
    const onB = collect(b.wsClient({ authorization: `Bearer ${student}` }), UPDATES, { b: bankId });
    await subscribedInstances(redis, topics.compartment(bankId), 2);

    expect((await report([ev(1, 'A01', 'DOOR_OPENED')])).data?.reportLockerEvents.acceptedThroughSeq).toBe(1);
    await onA.until((items) => items.length === 1);
    await onB.until((items) => items.length === 1);
    expect(onA.items[0]!.data?.compartmentUpdated).toEqual({ label: 'A01', door: 'OPEN', version: 2 });
    expect(onB.items).toEqual(onA.items);

    // Redis restarts (killed, started empty on the same port): both instances resubscribe and say so.
    const resyncs = [a, b].map((s) => s.cluster.bus.subscribe<BusResync>(BUS_RESYNC_TOPIC));
    await redis.restart();
    for (const r of resyncs)
      expect((await r.next()).value).toMatchObject({ reason: expect.stringMatching(/reconnected/) });
    await subscribedInstances(redis, topics.compartment(bankId), 2);
    expect(await b.ready()).toEqual({ ok: true });

    await report([ev(2, 'A01', 'DOOR_CLOSED')]);
    await onA.until((items) => items.length === 2);
    await onB.until((items) => items.length === 2);
    expect(onA.items[1]!.data?.compartmentUpdated).toEqual({ label: 'A01', door: 'CLOSED', version: 3 });
    expect(onB.items).toEqual(onA.items);
    // Nothing was lost or doubled: exactly one message per event on each instance.
    expect(onA.items).toHaveLength(2);
  });

  it('answers a board cached on A with the door a controller opened on B', async () => {
    const redis = await startRedis();
    // Entries may live a minute: only the event from B can make A's answer change.
    const { a, b } = await twoInstances(redis, { BOARD_CACHE_MAX_AGE_MS: '60000' });
    const { bankId, deviceToken } = await a.createBank({ count: 2 });
    const report = await controllerOn(b, deviceToken);
    await subscribedInstances(redis, topics.compartmentAll, 2);
    const board = `{ lockerBank(id: "${bankId}") { compartments { label door } } }`;
    const doorOnA = async () =>
      (await a.gql(board)).data.lockerBank.compartments.find((c: { label: string }) => c.label === 'A01').door;
    expect(await doorOnA()).toBe('CLOSED');
    expect(await doorOnA()).toBe('CLOSED');
    await report([ev(1, 'A01', 'DOOR_OPENED')]);
    const deadline = Date.now() + 5_000;
    while ((await doorOnA()) !== 'OPEN') {
      if (Date.now() > deadline) throw new Error('A still answers the board from before the door opened on B');
      await new Promise((r) => setTimeout(r, 20));
    }
  });

  it('spends on B a request budget spent on A (per token, over HTTP)', async () => {
    const redis = await startRedis();
    const { a, b } = await twoInstances(redis, {
      RATE_LIMIT_TOKEN_BURST: '10',
      RATE_LIMIT_TOKEN_PER_SECOND: '1',
      RATE_LIMIT_CLIENT_BURST: '1000',
    });
    const token = await a.tokenFor('STUDENT');
    for (let i = 0; i < 10; i++) {
      const res = await a.gql(`{ me { id } }`, {}, token);
      expect(res.data?.me).toBeTruthy();
    }
    const onB = await b.gql(`{ me { id } }`, {}, token);
    expect(onB.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    // Another token on B still has its own budget.
    expect((await b.gql(`{ me { id } }`, {}, await b.tokenFor('STUDENT'))).data?.me).toBeTruthy();
  });

  it('refuses to start, saying why, when REDIS_URL points at no Redis', async () => {
    const redis = await startRedis();
    await redis.kill();
    await expect(startTestServer({ REDIS_URL: redis.url })).rejects.toThrow(/Redis at REDIS_URL did not answer/);
  });

  it('knows no Redis when REDIS_URL is unset: the embedded default', async () => {
    const server = await startTestServer();
    expect(server.cluster.mode).toBe('embedded');
    expect(await server.ready()).toEqual({ ok: true });
  });
});
