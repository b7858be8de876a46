/**
 * Three server instances behind one load balancer, on one database and one
 * Redis: two in this process (A, B) and one in a child process (C), so that C
 * can be killed with SIGKILL as a machine dies: no socket closed, no lease
 * released, no timer run. On a PostgreSQL run they share one database; on
 * SQLite, one file (WAL).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimulatedController, type CommandHandled } from '@baylight/simulator';
import { describe, expect, it } from 'vitest';
import { BUDGETS } from '../src/attempts/budgets.js';
import { startBalancer } from './helpers/balancer.js';
import { track } from './helpers/disposables.js';
import { freshPostgresDatabase } from './helpers/engine.js';
import { startChildInstance } from './helpers/instance.js';
import { depositParcel, eventually, onlineBank, person } from './helpers/parcels.js';
import { startRedis } from './helpers/redis.js';
import { collect, startTestServer, TestClock, type TestServer } from './helpers/server.js';

const OPEN = `mutation ($input: OpenCompartmentInput!) {
  openCompartment(input: $input) {
    __typename
    ... on CommandIssued { command { id compartmentLabel } }
    ... on OpenRefused { reason }
  }
}`;
const UPDATES = `subscription ($b: ID) { compartmentUpdated(bankId: $b) { label door } }`;
const KIOSK = `mutation ($b: ID!, $n: String!) { createKioskCredential(bankId: $b, name: $n) { token } }`;
const REDEEM = `mutation ($code: String!) {
  redeemPickupCode(code: $code) { __typename ... on PickupRefused { retryAfterSeconds } }
}`;
const LEASE_TTL_MS = 3_000;

async function cluster(clock?: TestClock) {
  const redis = await startRedis();
  const dir = mkdtempSync(join(tmpdir(), 'baylight-three-'));
  track(null, () => rmSync(dir, { recursive: true, force: true }));
  const databaseUrl = (await freshPostgresDatabase()) ?? undefined;
  const env = { REDIS_URL: redis.url, BANK_LEASE_TTL_MS: String(LEASE_TTL_MS) };
  // One after the other: the first migrates, the others find the schema current.
  const shared = { dir, ...(databaseUrl ? { databaseUrl } : {}), ...(clock ? { clock } : {}) };
  const a = await startTestServer({ ...env, INSTANCE_ID: 'a', PARCEL_SWEEP_MS: '3600000' }, shared);
  const b = await startTestServer({ ...env, INSTANCE_ID: 'b', PARCEL_SWEEP_MS: '3600000' }, shared);
  const childEnv = {
    ...env,
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : { DATABASE_FILE: join(dir, 'baylight.db') }),
    PICKUP_SIGNING_KEY_FILE: join(dir, 'pickup-signing-keys.json'),
    DEVICE_OFFLINE_GRACE_MS: '300',
  };
  const startC = (id: string) => startChildInstance({ ...childEnv, INSTANCE_ID: id });
  return { a, b, startC };
}

function controllerVia(wsUrl: string, deviceToken: string) {
  const controller = new SimulatedController({
    url: wsUrl,
    deviceToken,
    closeAfterMs: Infinity,
    retry: { minMs: 50, maxMs: 200 },
  });
  track(controller, () => controller.stop());
  const handled: CommandHandled[] = [];
  controller.onCommand((h) => handled.push(h));
  return { controller, handled };
}

const holderOf = async (server: TestServer, bankId: string) =>
  (await server.cluster.leases.holder(bankId))?.instanceId ?? null;

describe('three instances behind one load balancer, one database, one Redis', () => {
  it('carries a remote open from A to the controller on C; after kill -9 of C the controller reconnects to A and gets the command sent meanwhile through B; a guess budget spent on A is spent on B', async () => {
    const { a, b, startC } = await cluster();
    const c = await startC('c');
    const balancer = await startBalancer(c.port);
    const { bankId, deviceToken } = await a.createBank({ count: 4 });
    const { controller, handled } = controllerVia(balancer.wsUrl, deviceToken);
    await controller.start();
    expect(await holderOf(a, bankId)).toBe('c');
    expect(await holderOf(b, bankId)).toBe('c');

    // A subscriber on B sees the door the controller on C opens at A's request.
    const student = await b.tokenFor('STUDENT');
    const onB = collect(b.wsClient({ authorization: `Bearer ${student}` }), UPDATES, { b: bankId });
    await new Promise((r) => setTimeout(r, 200));
    const it = await a.tokenFor('IT');
    const first = await a.gql(OPEN, { input: { bankId, label: 'A01', reason: 'stuck laptop' } }, it);
    expect(first.data.openCompartment.__typename).toBe('CommandIssued');
    await eventually(() => handled.some((h) => h.command.compartmentLabel === 'A01' && h.outcome === 'OPENED'));
    await onB.until((items) => items.some((i) => i.data?.compartmentUpdated.label === 'A01'));
    expect(onB.items.find((i) => i.data?.compartmentUpdated.label === 'A01')!.data!.compartmentUpdated.door).toBe(
      'OPEN',
    );

    // C dies. Its lease stays until it expires, so the bank is still ONLINE to every instance:
    // a command sent now through B is kept, and reaches the controller wherever it reconnects.
    c.kill();
    balancer.point(a.port);
    const meanwhile = await b.gql(OPEN, { input: { bankId, label: 'B01', reason: 'after the crash' } }, it);
    expect(meanwhile.data.openCompartment).toMatchObject({ __typename: 'CommandIssued' });
    const commandId = meanwhile.data.openCompartment.command.id as string;
    await eventually(() => handled.some((h) => h.command.id === commandId && h.outcome === 'OPENED'), 15_000);
    expect(await holderOf(b, bankId)).toBe('a');
    expect(a.services.devices.isConnected(bankId)).toBe(true);
    // Exactly once: the door opened once for each command.
    expect(handled.filter((h) => !h.duplicate).map((h) => h.command.compartmentLabel)).toEqual(['A01', 'B01']);
    // And the bank stays ONLINE: C's grace period never ran, and A's sweep sees A holding it.
    await new Promise((r) => setTimeout(r, LEASE_TTL_MS + 1_000));
    expect((await b.services.lockers.store.getBank(bankId))?.status).toBe('ONLINE');

    // A kiosk's wrong pickup codes: those spent on A count on B.
    const kiosk = (await a.gql(KIOSK, { b: bankId, n: 'hall screen' })).data.createKioskCredential.token as string;
    const capacity = BUDGETS.PICKUP_CODE.credential!.capacity;
    for (let i = 0; i < capacity - 1; i++) {
      const r = (await a.gql(REDEEM, { code: String(10_000_000 + i) }, kiosk)).data.redeemPickupCode;
      expect({ i, ...r }).toEqual({ i, __typename: 'PickupRefused', retryAfterSeconds: null });
    }
    const guessOnB = (await b.gql(REDEEM, { code: '99999999' }, kiosk)).data.redeemPickupCode;
    expect(guessOnB.__typename).toBe('PickupRefused');
    expect(guessOnB.retryAfterSeconds).toBeGreaterThan(0);
  });

  it('decides "bank offline" on every instance once a dead instance’s lease has expired', async () => {
    const { a, b, startC } = await cluster();
    const c = await startC('c2');
    const { bankId, deviceToken } = await a.createBank({ count: 4 });
    const { controller } = controllerVia(c.wsUrl, deviceToken);
    await controller.start();
    expect(await holderOf(a, bankId)).toBe('c2');
    c.kill();
    await controller.stop();
    // Lease (3 s) and grace period (0.3 s) later, every instance refuses to queue a command.
    const it = await a.tokenFor('IT');
    await eventually(async () => (await b.services.lockers.store.getBank(bankId))?.status === 'OFFLINE', 15_000);
    expect(await holderOf(a, bankId)).toBeNull();
    for (const server of [a, b]) {
      const res = await server.gql(OPEN, { input: { bankId, label: 'A01', reason: 'check' } }, it);
      expect(res.data.openCompartment).toEqual({ __typename: 'OpenRefused', reason: 'BANK_OFFLINE' });
    }
  });

  it('runs a sweep’s work once across instances, however many sweep at the same moment', async () => {
    const clock = new TestClock();
    const { a, b } = await cluster(clock);
    const bank = await onlineBank(a);
    const clerk = await person(a, 'MAILROOM');
    const student = await person(a, 'STUDENT');
    const { parcelId } = await depositParcel(a, bank, clerk, student);
    const before = (await a.services.parcels.store.get(parcelId))!;
    const reminders = async () =>
      (
        (await a.gql(`query ($to: String) { devOutbox(to: $to, limit: 50) { subject } }`, { to: student.email })).data
          .devOutbox as { subject: string }[]
      ).filter((m) => m.subject.startsWith('Reminder')).length;

    clock.advance(25 * 3_600_000);
    // Four sweeps at once, two per instance: the reminder is one step, taken by one of them.
    await Promise.all([a, b, a, b].map((s) => s.services.parcels.sweep()));
    const after = (await b.services.parcels.store.get(parcelId))!;
    expect(after.reminderSentAt).not.toBeNull();
    expect(after.version).toBe(before.version + 1);
    await eventually(async () => (await reminders()) === 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(await reminders()).toBe(1);
  });
});
