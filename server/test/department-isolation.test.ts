/**
 * Two departments' worlds on one site, and a DEPARTMENT analyst of the first
 * walking every field reachable from the root Query (generated from the
 * schema, every object and list field to a depth of 5, arguments from
 * fixtures, including the other department's ids): no id or name of the
 * other department's banks, compartments, parcels, people, alerts, door
 * openings or kiosks appears anywhere in any answer, errors included. The
 * same walk over what the analyst's subscriptions deliver.
 */
import { readFileSync } from 'node:fs';
import {
  buildSchema,
  getNamedType,
  isLeafType,
  isNonNullType,
  isUnionType,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLObjectType,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { schemaPath } from '../src/graphql/schema.js';
import { depositParcel, member, onlineBank, person } from './helpers/parcels.js';
import { collect, connected, sleep, startTestServer, type GqlResponse } from './helpers/server.js';

const contract = buildSchema(readFileSync(schemaPath, 'utf8'));
const DEPTH = 5;

/** Every field of the type that needs no argument: leaves, and composites down to `depth` more levels. */
function selectionFor(type: GraphQLNamedType, depth: number): string {
  if (isLeafType(type)) return '';
  if (isUnionType(type))
    return `{ __typename ${type
      .getTypes()
      .map((t) => `... on ${t.name} ${selectionFor(t, depth)}`)
      .join(' ')} }`;
  const fields = Object.values((type as GraphQLObjectType).getFields()).flatMap((f) => {
    if (f.args.some((a) => isNonNullType(a.type) && a.defaultValue === undefined)) return [];
    const named = getNamedType(f.type);
    if (isLeafType(named)) return [f.name];
    return depth > 0 ? [`${f.name} ${selectionFor(named, depth - 1)}`] : [];
  });
  return `{ __typename ${fields.join(' ')} }`;
}

function documentFor(
  kind: 'query' | 'subscription',
  field: GraphQLField<unknown, unknown>,
  vars: object,
  depth: number,
) {
  const args = field.args.filter((a) => a.name in vars);
  const defs = args.map((a) => `$${a.name}: ${String(a.type)}`).join(', ');
  const call = args.length ? `(${args.map((a) => `${a.name}: $${a.name}`).join(', ')})` : '';
  return `${kind}${defs ? ` (${defs})` : ''} { ${field.name}${call} ${selectionFor(getNamedType(field.type), depth)} }`;
}

const SHARE = `mutation ($p: ID!, $e: String) { shareParcelPickup(parcelId: $p, email: $e) { __typename } }`;
const REPORT = `mutation ($p: ID) { reportDoorDidNotOpen(parcelId: $p, note: "stuck") { id } }`;
const PREFER = `mutation ($b: ID) { updateMyPreferences(input: { preferredBankId: $b }) { preferredBank { id name } } }`;

/** Alpha and Bravo: a bank, people and parcels each, alerts, door openings, and links across. */
async function twoDepartments() {
  // The walker explores the whole schema at once: wider document limits than any client gets (they are
  // tested in hostile-api.test.ts); what it checks is scope, not size.
  const server = await startTestServer({
    GRAPHQL_MAX_DEPTH: '20',
    GRAPHQL_MAX_ALIASES: '1000',
    GRAPHQL_MAX_TOKENS: '1000000',
    // At depth 5, `parcels` alone is estimated at ~130 million (events carry more fields in protocol 2).
    GRAPHQL_MAX_COST: '1000000000',
    GRAPHQL_EXECUTION_BUDGET_MS: '60000',
    RATE_LIMIT_CLIENT_BURST: '10000000',
    RATE_LIMIT_TOKEN_BURST: '10000000',
  });
  const alpha = await onlineBank(server, { name: 'Alpha Bank', department: 'Alpha', count: 8 });
  const bravo = await onlineBank(server, { name: 'Bravo Bank', department: 'Bravo', count: 8 });
  const clerk = await person(server, 'MAILROOM');
  const viewer = await member(server, {
    email: 'vera@alpha.test',
    name: 'Vera Viewer',
    role: 'DEPARTMENT',
    department: 'Alpha',
  });
  const alice = await member(server, {
    email: 'alice@alpha.test',
    name: 'Alice Alpha',
    role: 'STUDENT',
    department: 'Alpha',
    studentId: 'SA-1',
  });
  const bob = await member(server, {
    email: 'bob@bravo.test',
    name: 'Bob Bravo',
    role: 'STUDENT',
    department: 'Bravo',
    studentId: 'SB-1',
  });
  const bea = await member(server, {
    email: 'bea@bravo.test',
    name: 'Bea Bravo',
    role: 'DEPARTMENT',
    department: 'Bravo',
  });
  const at = (bank: typeof alpha) => ({ bankId: bank.bankId });

  const parcels = {
    aliceAtAlpha: await depositParcel(server, alpha, clerk, alice, at(alpha)),
    // Alpha's person, Bravo's bank: the analyst sees the parcel, not where it is.
    aliceAtBravo: await depositParcel(server, bravo, clerk, alice, at(bravo)),
    bobAtBravo: await depositParcel(server, bravo, clerk, bob, at(bravo)),
    // Bravo's person, Alpha's bank: the analyst sees the door opening, not whose parcel it was.
    bobAtAlpha: await depositParcel(server, alpha, clerk, bob, at(alpha)),
    viewerAtAlpha: await depositParcel(server, alpha, clerk, viewer, at(alpha)),
  };
  // Alice lets Bob (Bravo) collect hers.
  expect((await server.gql(SHARE, { p: parcels.aliceAtAlpha.parcelId, e: bob.email }, alice.token)).data).toEqual({
    shareParcelPickup: { __typename: 'ParcelActionOk' },
  });
  await server.gql(REPORT, { p: parcels.bobAtBravo.parcelId }, bob.token);
  await server.gql(REPORT, { p: parcels.aliceAtAlpha.parcelId }, alice.token);
  await server.gql(
    `mutation ($b: ID!) { openCompartment(input: { bankId: $b, label: "A08", reason: "Bravo check" }) { __typename } }`,
    { b: bravo.bankId },
  );
  await server.gql(`mutation ($b: ID!) { createKioskCredential(bankId: $b, name: "Bravo kiosk") { id } }`, {
    b: bravo.bankId,
  });
  const courier = await person(server, 'COURIER');
  await server.gql(`mutation ($p: ID!, $b: [ID!]!) { setCourierBanks(personId: $p, bankIds: $b) { id } }`, {
    p: courier.id,
    b: [alpha.bankId, bravo.bankId],
  });
  // IT's register: an asset each, changed by an IT technician (whose name only IT sees).
  const it = await person(server, 'IT');
  const assets: Record<'alpha' | 'bravo', { id: string; tag: string }> = {
    alpha: { id: '', tag: 'AL-LT-1' },
    bravo: { id: '', tag: 'BRAVO-LT-1' },
  };
  for (const [key, department] of [
    ['alpha', 'Alpha'],
    ['bravo', 'Bravo'],
  ] as const) {
    const made = await server.gql<{ createAsset: { asset: { id: string } } }>(
      `mutation ($i: CreateAssetInput!) { createAsset(input: $i) { ... on AssetSaved { asset { id } } } }`,
      { i: { tag: assets[key].tag, model: `${department} laptop`, category: 'laptop', department } },
      it.token,
    );
    assets[key].id = made.data!.createAsset.asset.id;
  }
  await Promise.all([alpha.controller.flush(), bravo.controller.flush()]);
  return { server, alpha, bravo, clerk, viewer, alice, bob, bea, parcels, assets };
}

/** Every id, name and address of Bravo's world, read as an admin would. */
async function bravoSecrets(w: Awaited<ReturnType<typeof twoDepartments>>): Promise<string[]> {
  const { server, bravo, bob, bea } = w;
  const s = server.services;
  const bravoParcels = [
    ...(await s.parcels.store.forPerson(bob.id)),
    ...(await s.parcels.store.forPerson(bea.id)),
  ].filter((p) => p.recipientId === bob.id || p.recipientId === bea.id);
  const kiosks = await s.kiosks.listCredentials(
    { personId: 'admin', role: 'ADMIN', department: null, tokenId: 'test' },
    bravo.bankId,
  );
  return [
    bravo.bankId,
    ...(await s.lockers.store.compartmentsByBankIds([bravo.bankId])).map((c) => c.id),
    bob.id,
    bea.id,
    ...bravoParcels.flatMap((p) => [p.id, p.tracking]),
    ...(await s.audit.store.doorOpenings({ bankId: bravo.bankId }, 500)).map((o) => o.id),
    ...(await s.audit.store.listAlerts(true, 500)).filter((a) => a.bankId === bravo.bankId).map((a) => a.id),
    ...kiosks.map((k) => k.id),
    w.assets.bravo.id,
    w.assets.bravo.tag,
  ];
}

/** What in an answer belongs to Bravo: its names (they all say Bravo) and its ids. */
function leaks(answer: unknown, secrets: readonly string[]): string[] {
  const text = JSON.stringify(answer);
  return [
    ...(/bravo/i.test(text) ? [/.{0,60}bravo.{0,60}/i.exec(text)![0]] : []),
    ...secrets.filter((s) => text.includes(s)),
  ];
}

describe('department isolation', () => {
  it('lets a department prefer only its own banks, and never read another’s through me or a parcel', async () => {
    const w = await twoDepartments();
    const { server, alpha, bravo, viewer, parcels } = w;
    const refused = await server.gql(PREFER, { b: bravo.bankId }, viewer.token);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'preferredBankId' });
    expect((await server.services.people.findById(viewer.id))?.preferredBankId).toBeNull();
    expect((await server.gql(PREFER, { b: alpha.bankId }, viewer.token)).data.updateMyPreferences).toEqual({
      preferredBank: { id: alpha.bankId, name: 'Alpha Bank' },
    });
    // Set before the rule, or by an admin: still not shown.
    await server.services.people.updatePreferences(
      { personId: viewer.id, role: 'DEPARTMENT', department: 'Alpha', tokenId: 'seed' },
      { preferredBankId: bravo.bankId },
      () => true,
    );
    expect((await server.gql(`{ me { preferredBank { id } } }`, {}, viewer.token)).data.me).toEqual({
      preferredBank: null,
    });

    const PLACE = `query ($id: ID!) { parcel(id: $id) { id bank { id } compartment { id bank { id } } doorOpenings { id bankId } } }`;
    const seen = await server.gql(PLACE, { id: parcels.aliceAtBravo.parcelId }, viewer.token);
    expect(seen.data.parcel).toEqual({
      id: parcels.aliceAtBravo.parcelId,
      bank: null,
      compartment: null,
      doorOpenings: [],
    });
    // Its recipient is always told where it is.
    const told = await server.gql(PLACE, { id: parcels.aliceAtBravo.parcelId }, w.alice.token);
    expect(told.data.parcel.bank).toEqual({ id: bravo.bankId });
    expect(told.data.parcel.compartment.bank).toEqual({ id: bravo.bankId });
    expect(told.data.parcel.doorOpenings.map((o: { bankId: string }) => o.bankId)).toContain(bravo.bankId);
  });

  it('shows an Alpha analyst nothing of Bravo in any field reachable from the root Query', async () => {
    const w = await twoDepartments();
    const { server, alpha, bravo, viewer, alice, bob, parcels } = w;
    await server.services.people.updatePreferences(
      { personId: viewer.id, role: 'DEPARTMENT', department: 'Alpha', tokenId: 'seed' },
      { preferredBankId: bravo.bankId },
      () => true,
    );
    await server.services.people.updatePreferences(
      { personId: alice.id, role: 'STUDENT', department: 'Alpha', tokenId: 'seed' },
      { preferredBankId: bravo.bankId },
      () => true,
    );
    const secrets = await bravoSecrets(w);
    const siteId = bravo.siteId;
    // Arguments for each root field: Alpha's objects, and Bravo's (asking by id must not answer either).
    const variants: Record<string, object[]> = {
      lockerBanks: [{}, { siteId }],
      lockerBank: [{ id: alpha.bankId }, { id: bravo.bankId }],
      lockerEvents: [{ bankId: alpha.bankId }, { bankId: bravo.bankId }],
      lockerEventLog: [
        { bankId: alpha.bankId },
        { bankId: bravo.bankId },
        { bankId: bravo.bankId, problemsOnly: true },
      ],
      devOutbox: [{}, { to: bob.email }],
      parcels: [
        {},
        { bankId: bravo.bankId },
        { bankId: alpha.bankId },
        { search: 'Bob' },
        { status: 'READY_FOR_PICKUP' },
      ],
      parcel: Object.values(parcels).map((p) => ({ id: p.parcelId })),
      people: [{ search: 'Bob Bravo' }, { search: bob.email }],
      staffAlerts: [{}, { includeResolved: true }],
      doorOpenings: [
        {},
        { bankId: alpha.bankId },
        { bankId: bravo.bankId },
        ...Object.values(parcels).map((p) => ({ parcelId: p.parcelId })),
      ],
      kioskCredentials: [{}, { bankId: bravo.bankId }],
      credentialAttempts: [{}, { bankId: bravo.bankId }],
      assets: [{}, { search: 'laptop' }, { search: 'BRAVO' }, { category: 'laptop' }],
      asset: [{ id: w.assets.alpha.id }, { id: w.assets.bravo.id }, { tag: w.assets.bravo.tag }],
      assetsCsv: [{}, { search: 'BRAVO' }],
      effectiveLoanPolicy: [{ category: 'laptop', role: 'STUDENT', siteId }],
      loans: [{}, { search: 'Bob' }, { overdueOnly: true }],
      loanerPool: [{ bankId: alpha.bankId }, { bankId: bravo.bankId }],
      campaign: [{ id: 'cmp_none' }],
      siteCalendar: [{ siteId }],
      assetFaults: [{}, { category: 'laptop' }],
    };
    const answers: Record<string, GqlResponse[]> = {};
    const found: Record<string, string[]> = {};
    for (const field of Object.values(contract.getQueryType()!.getFields())) {
      const required = field.args.filter((a) => isNonNullType(a.type) && a.defaultValue === undefined);
      const list = variants[field.name] ?? [{}];
      expect(
        list.every((v) => required.every((a) => a.name in v)),
        `fixtures for Query.${field.name}`,
      ).toBe(true);
      for (const vars of list) {
        const answer = await server.gql(
          documentFor('query', field, vars, DEPTH),
          vars as Record<string, unknown>,
          viewer.token,
        );
        (answers[field.name] ??= []).push(answer);
        const leaked = leaks(answer, secrets);
        if (leaked.length) found[`${field.name}(${JSON.stringify(vars)})`] = leaked;
      }
    }
    expect(found).toEqual({});

    // The walk went deep into Alpha: its bank, people and parcels, and the cross links, nulled.
    const text = (name: string) => JSON.stringify(answers[name]);
    expect(text('sites')).toContain('Alpha Bank');
    expect(text('me')).toContain('Vera Viewer');
    expect(text('parcels')).toContain(parcels.aliceAtBravo.parcelId);
    expect(text('parcels')).toContain('Alice Alpha');
    expect(text('parcels')).not.toContain(parcels.bobAtAlpha.parcelId);
    expect(text('doorOpenings')).toContain(alpha.bankId);
    expect(text('lockerEvents')).toContain('DOOR_CLOSED');
    expect(text('assets')).toContain(w.assets.alpha.tag);
    expect(text('asset')).toContain(w.assets.alpha.id);
    expect(text('assetsCsv')).toContain(w.assets.alpha.tag);
  }, 120_000);

  it('delivers an Alpha analyst’s subscriptions nothing of Bravo, however deep the selection', async () => {
    const w = await twoDepartments();
    const { server, alpha, bravo, clerk, viewer, alice, bob } = w;
    const secrets = await bravoSecrets(w);
    const client = server.wsClient({ authorization: `Bearer ${viewer.token}` });
    await connected(client);
    const subscriptions = Object.values(contract.getSubscriptionType()!.getFields())
      .filter((f) => ['compartmentUpdated', 'lockerBankUpdated', 'myParcelUpdated'].includes(f.name))
      .map((f) => ({ name: f.name, items: collect(client, documentFor('subscription', f, {}, DEPTH - 1)).items }));
    await sleep(100);

    bravo.controller.openDoor('A05');
    alpha.controller.openDoor('A05');
    bravo.controller.closeDoor('A05');
    alpha.controller.closeDoor('A05');
    await Promise.all([alpha.controller.flush(), bravo.controller.flush()]);
    await depositParcel(server, bravo, clerk, bob, { bankId: bravo.bankId });
    await depositParcel(server, bravo, clerk, alice, { bankId: bravo.bankId });
    await depositParcel(server, alpha, clerk, viewer, { bankId: alpha.bankId });
    await bravo.controller.disconnect();
    await alpha.controller.disconnect();
    await sleep(1_000); // both banks past the offline grace

    const received = Object.fromEntries(subscriptions.map((s) => [s.name, s.items]));
    expect(Object.fromEntries(subscriptions.map((s) => [s.name, leaks(s.items, secrets)]))).toEqual({
      compartmentUpdated: [],
      lockerBankUpdated: [],
      myParcelUpdated: [],
    });
    for (const s of subscriptions) expect(s.items.length, s.name).toBeGreaterThan(0);
    expect(JSON.stringify(received.compartmentUpdated)).toContain('Alpha Bank');
    expect(JSON.stringify(received.lockerBankUpdated)).toContain('OFFLINE');
  }, 120_000);
});
