/** Sites, banks and what each role may see of them, over the real API. */
import { describe, expect, it } from 'vitest';
import { collect, connected, execute, sleep, startTestServer } from './helpers/server.js';

const CREATE = `mutation ($input: CreateLockerBankInput!) { createLockerBank(input: $input) { bank { id } deviceToken } }`;

describe('creating banks', () => {
  it('creates a bank with its compartments, returning a device token once and storing only its hash', async () => {
    const server = await startTestServer();
    const { bankId, deviceToken } = await server.createBank({ count: 12 });
    expect(deviceToken).toMatch(/^bld_[A-Za-z0-9_-]{43}$/);
    const res = await server.gql(
      `query ($id: ID!) { lockerBank(id: $id) { status counts { total available } compartments { label } } }`,
      {
        id: bankId,
      },
    );
    expect(res.data.lockerBank).toMatchObject({ status: 'OFFLINE', counts: { total: 12, available: 12 } });
    const row = (await server.services.lockers.store.getBank(bankId))!;
    expect(row.deviceTokenHash).not.toContain(deviceToken);
  });

  it.each([
    [
      'duplicate labels',
      [
        { label: 'A01', size: 'S' },
        { label: 'a01', size: 'M' },
      ],
      /appears twice/,
    ],
    ['no compartments', [], /at least one/],
    ['a bad label', [{ label: 'A 01!', size: 'S' }], /Labels are/],
  ])('refuses %s with BAD_USER_INPUT', async (_name, compartments, message) => {
    const server = await startTestServer();
    const site = await server.gql(`mutation { createSite(input: { name: "X" }) { id } }`);
    const res = await server.gql(CREATE, { input: { siteId: site.data.createSite.id, name: 'B', compartments } });
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0]?.message).toMatch(message);
  });

  it('lets only admins create banks and sites', async () => {
    const server = await startTestServer();
    const res = await server.gql(
      `mutation { createSite(input: { name: "X" }) { id } }`,
      {},
      await server.tokenFor('IT'),
    );
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const anon = await server.gql(`mutation { createSite(input: { name: "X" }) { id } }`, {}, null);
    expect(anon.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('refuses an unknown time zone', async () => {
    const server = await startTestServer();
    const res = await server.gql(`mutation { createSite(input: { name: "X", timezone: "Mars/Olympus" }) { id } }`);
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('visibility by role', () => {
  it('shows a department analyst only its own banks, in queries and live', async () => {
    const server = await startTestServer();
    const eng = await server.createBank({ name: 'Engineering', department: 'Engineering' });
    const lib = await server.createBank({ name: 'Library' });
    const analyst = await server.tokenFor('DEPARTMENT', { department: 'Engineering' });
    const banks = await server.gql(`{ lockerBanks { name } sites { banks { name } } }`, {}, analyst);
    expect(banks.data.lockerBanks).toEqual([{ name: 'Engineering' }]);
    expect(banks.data.sites[0].banks).toEqual([{ name: 'Engineering' }]);
    const hidden = await server.gql(`query ($id: ID!) { lockerBank(id: $id) { name } }`, { id: lib.bankId }, analyst);
    expect(hidden.data.lockerBank).toBeNull();

    const live = collect(
      server.wsClient({ authorization: `Bearer ${analyst}` }),
      `subscription { compartmentUpdated { bankId label door } }`,
    );
    await sleep(50);
    const report = `mutation ($e: [LockerEventInput!]!) { reportLockerEvents(events: $e) { acceptedThroughSeq } }`;
    const at = new Date().toISOString();
    const libCtrl = server.wsClient({ deviceToken: lib.deviceToken });
    const engCtrl = server.wsClient({ deviceToken: eng.deviceToken });
    await Promise.all([connected(libCtrl), connected(engCtrl)]);
    await execute(libCtrl, report, { e: [{ seq: 1, label: 'A01', kind: 'DOOR_OPENED', at }] });
    await execute(engCtrl, report, { e: [{ seq: 1, label: 'A02', kind: 'DOOR_OPENED', at }] });
    await live.until((items) => items.length >= 1);
    await sleep(100);
    expect(live.items.map((i) => i.data?.compartmentUpdated)).toEqual([
      { bankId: eng.bankId, label: 'A02', door: 'OPEN' },
    ]);
  });

  it('keeps the event log from students but shows it to IT', async () => {
    const server = await startTestServer();
    const { bankId } = await server.createBank();
    const q = `query ($id: ID!) { lockerEvents(bankId: $id) { kind } }`;
    expect((await server.gql(q, { id: bankId }, await server.tokenFor('STUDENT'))).errors?.[0]?.extensions?.code).toBe(
      'FORBIDDEN',
    );
    expect((await server.gql(q, { id: bankId }, await server.tokenFor('IT'))).data.lockerEvents).toEqual([]);
  });
});

describe('HTTP hygiene', () => {
  it('answers malformed GraphQL with a coded error and keeps serving', async () => {
    const server = await startTestServer();
    const res = await server.gql(`{ sites { id `);
    expect(res.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    expect((await server.gql(`{ sites { id } }`)).data).toEqual({ sites: [] });
  });

  it('blocks simple cross-site GET requests (CSRF prevention on)', async () => {
    const server = await startTestServer();
    const res = await fetch(`${server.url}?query=${encodeURIComponent('{ sites { id } }')}`);
    expect(res.status).toBe(400);
  });

  it('serves /healthz', async () => {
    const server = await startTestServer();
    const res = await fetch(server.url.replace('/graphql', '/healthz'));
    expect(await res.json()).toMatchObject({ ok: true });
  });
});

describe('live payloads stay fresh', () => {
  it('resolves nested fields of every subscription event from the current state, not the first one', async () => {
    const server = await startTestServer({ DEVICE_OFFLINE_GRACE_MS: '200' });
    const { deviceToken } = await server.createBank({ count: 4 });
    const banks = collect(
      server.wsClient({ authorization: `Bearer ${server.adminToken}` }),
      `subscription { lockerBankUpdated { status counts { open } compartments { label door } } }`,
    );
    await sleep(50);
    const ctrl = server.wsClient({ deviceToken });
    await connected(ctrl);
    await banks.until((items) => items.length >= 1);
    await execute(ctrl, `mutation ($e: [LockerEventInput!]!) { reportLockerEvents(events: $e) { stored } }`, {
      e: [{ seq: 1, label: 'A01', kind: 'DOOR_OPENED', at: new Date().toISOString() }],
    });
    await ctrl.dispose();
    const offline = await banks.until((items) => items.some((i) => i.data?.lockerBankUpdated.status === 'OFFLINE'));
    const last = offline.at(-1)!.data!.lockerBankUpdated;
    expect(last.counts.open).toBe(1);
    expect(last.compartments.find((c: { label: string }) => c.label === 'A01').door).toBe('OPEN');
  });
});
