/**
 * The board cache (src/graphql/board-cache.ts) over the real API: one
 * execution per state and audience, a change shown at once however long the
 * entries may live, and no audience ever answered with another's board.
 */
import { buildSchema, isObjectType, parse } from 'graphql';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { BUS_RESYNC_TOPIC, type BusResync } from '../src/bus/index.js';
import { BOARD_FIELDS, boardDocument } from '../src/graphql/board-cache.js';
import { depositParcel, intake, onlineBank, person, pickupCodeOf } from './helpers/parcels.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const BOARD = `query Board { sites { id name banks { id name status version counts { available open } compartments { label door occupancy state version } } } }`;
const BANKS = `{ lockerBanks { id name } }`;
/** Entries live a minute here: whatever a test sees change, an event made it change, not the age. */
const LONG = { BOARD_CACHE_MAX_AGE_MS: '60000' };

async function cacheCount(server: TestServer, outcome: string): Promise<number> {
  const { body } = await server.services.metrics.render();
  const m = new RegExp(`^baylight_board_cache_total\\{[^}]*outcome="${outcome}"[^}]*\\} (\\d+)$`, 'm').exec(body);
  return Number(m?.[1] ?? NaN);
}

type Board = { sites: { banks: { id: string; compartments: { label: string; door: string; state: string }[] }[] }[] };
const compartment = (board: Board, bankId: string, label: string) =>
  board.sites
    .flatMap((s) => s.banks)
    .find((b) => b.id === bankId)
    ?.compartments.find((c) => c.label === label);

describe('the board cache', () => {
  it('answers identical board queries from one execution, and a door that opens at once, however long entries live', async () => {
    const server = await startTestServer(LONG);
    const bank = await onlineBank(server, { count: 4 });
    const first = await server.gql<Board>(BOARD);
    const hitsBefore = await cacheCount(server, 'hit');
    const second = await server.gql<Board>(BOARD);
    expect(second).toEqual(first);
    expect(await cacheCount(server, 'hit')).toBe(hitsBefore + 1);
    expect(compartment(second.data!, bank.bankId, 'A01')?.door).toBe('CLOSED');

    bank.controller.openDoor('A01');
    await bank.controller.flush();
    // flush() resolves once the server has stored and published the event: the next answer has it.
    const after = await server.gql<Board>(BOARD);
    expect(compartment(after.data!, bank.bankId, 'A01')?.door).toBe('OPEN');
  });

  it('shows a reservation in the answer right after the intake that made it', async () => {
    const server = await startTestServer(LONG);
    const bank = await onlineBank(server, { count: 2 });
    const clerk = await person(server, 'MAILROOM');
    const student = await person(server, 'STUDENT');
    await server.gql(BOARD);
    await server.gql(BOARD);
    const reserved = await intake(server, clerk, student);
    expect(reserved.__typename).toBe('ParcelReserved');
    const board = (await server.gql<Board>(BOARD)).data!;
    expect(compartment(board, bank.bankId, reserved.compartment.label)?.state).toBe('RESERVED');
  });

  it('shows a new bank at once', async () => {
    const server = await startTestServer(LONG);
    await server.createBank({ name: 'First', count: 1 });
    expect((await server.gql(BANKS)).data.lockerBanks).toHaveLength(1);
    expect((await server.gql(BANKS)).data.lockerBanks).toHaveLength(1);
    await server.createBank({ name: 'Second', count: 1 });
    expect((await server.gql(BANKS)).data.lockerBanks).toHaveLength(2);
  });

  it('never answers one audience with another’s board: departments, students and staff each get their own', async () => {
    const server = await startTestServer(LONG);
    const alpha = await server.createBank({ name: 'Alpha bank', count: 1, department: 'Alpha' });
    const bravo = await server.createBank({ name: 'Bravo bank', count: 1, department: 'Bravo' });
    const alphaAnalyst = await server.tokenFor('DEPARTMENT', { department: 'Alpha' });
    const bravoAnalyst = await server.tokenFor('DEPARTMENT', { department: 'Bravo' });
    const alphaStudent = await server.tokenFor('STUDENT', { department: 'Alpha' });
    const ids = async (token: string) =>
      ((await server.gql(BANKS, {}, token)).data?.lockerBanks ?? []).map((b: { id: string }) => b.id).sort();
    const both = [alpha.bankId, bravo.bankId].sort();
    const studentSees = await ids(alphaStudent);
    const hitsBefore = await cacheCount(server, 'hit');
    // Each asked twice, interleaved, the admin first: every second answer comes from the cache.
    for (let round = 0; round < 2; round++) {
      expect(await ids(server.adminToken)).toEqual(both);
      expect(await ids(alphaAnalyst)).toEqual([alpha.bankId]);
      expect(await ids(bravoAnalyst)).toEqual([bravo.bankId]);
      expect(await ids(alphaStudent)).toEqual(studentSees);
    }
    expect(await cacheCount(server, 'hit')).toBeGreaterThanOrEqual(hitsBefore + 4);
  });

  it('keeps no refusal, and runs every document with a field outside the board uncached', async () => {
    const server = await startTestServer(LONG);
    await onlineBank(server, { count: 1 });
    const kept = await cacheCount(server, 'miss');
    const hits = await cacheCount(server, 'hit');
    // Refused (no token): asked twice, executed twice, never kept.
    for (let i = 0; i < 2; i++)
      expect((await server.gql(BANKS, {}, '')).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    // The event log and the controller's health are not board state.
    for (let i = 0; i < 2; i++) {
      expect((await server.gql(`{ lockerBanks { id events(limit: 1) { kind } } }`)).errors).toBeUndefined();
      expect((await server.gql(`{ lockerBanks { id controller { protocolVersion } } }`)).errors).toBeUndefined();
    }
    expect(await cacheCount(server, 'miss')).toBe(kept);
    expect(await cacheCount(server, 'hit')).toBe(hits);
  });

  it('serves an entry no longer than BOARD_CACHE_MAX_AGE_MS, and not at all with 0', async () => {
    const server = await startTestServer({ BOARD_CACHE_MAX_AGE_MS: '0' });
    await server.createBank({ count: 1 });
    for (let i = 0; i < 3; i++) await server.gql(BANKS);
    expect(await cacheCount(server, 'hit')).toBe(0);
    expect(await cacheCount(server, 'miss')).toBe(0);

    const brief = await startTestServer({ BOARD_CACHE_MAX_AGE_MS: '200' });
    await brief.createBank({ count: 1 });
    await brief.gql(BANKS);
    await brief.gql(BANKS);
    expect(await cacheCount(brief, 'hit')).toBe(1);
    await new Promise((r) => setTimeout(r, 300));
    const misses = await cacheCount(brief, 'miss');
    await brief.gql(BANKS);
    expect(await cacheCount(brief, 'miss')).toBe(misses + 1);
  });

  it('drops every entry on a Bus resync (events may have been lost): the next answer is read afresh', async () => {
    const server = await startTestServer(LONG);
    const { bankId } = await server.createBank({ count: 1 });
    const label = async () =>
      (await server.gql(BANKS)).data.lockerBanks.find((b: { id: string }) => b.id === bankId).name;
    expect(await label()).toBe((await server.services.lockers.store.getBank(bankId))!.name);
    // A change nobody published (as if its event had been lost with a Redis connection) …
    const { lockerBanks } = server.services.db.tables;
    await server.services.db.transaction(async (tx) => {
      await tx.update(lockerBanks).set({ name: 'Renamed' }).where(eq(lockerBanks.id, bankId));
    });
    expect(await label()).not.toBe('Renamed');
    // … is read once the bus says events may be lost.
    server.cluster.bus.publish<BusResync>(BUS_RESYNC_TOPIC, {
      reason: 'reconnected',
      instanceId: 'test',
      at: new Date(),
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(await label()).toBe('Renamed');
  });

  it('follows a whole parcel journey: in use once deposited, free again once picked up', async () => {
    const server = await startTestServer(LONG);
    const bank = await onlineBank(server, { count: 4 });
    const clerk = await person(server, 'MAILROOM');
    const student = await person(server, 'STUDENT');
    const state = async (label: string) =>
      compartment((await server.gql<Board>(BOARD)).data!, bank.bankId, label)?.state;
    const { label, parcelId } = await depositParcel(server, bank, clerk, student);
    expect(await state(label)).toBe('IN_USE');
    expect(await state(label)).toBe('IN_USE');
    const opened = bank.controller.nextCommand(10_000, (h) => h.command.kind === 'OPEN_COMPARTMENT');
    await bank.controller.redeemPickupCode(await pickupCodeOf(server, student, parcelId));
    await opened;
    bank.controller.record(label, 'EMPTY');
    bank.controller.closeDoor(label);
    await bank.controller.flush();
    expect(await state(label)).toBe('AVAILABLE');
  });
});

describe('BOARD_FIELDS', () => {
  const schema = buildSchema(readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8'));

  it('names fields the schema has', () => {
    for (const [type, fields] of Object.entries(BOARD_FIELDS)) {
      const t = schema.getType(type);
      expect(t && isObjectType(t), type).toBe(true);
      if (!t || !isObjectType(t)) continue;
      for (const f of fields) expect(Object.keys(t.getFields()), `${type}.${f}`).toContain(f);
    }
  });

  it('takes queries of board fields only, with fragments and @include, and nothing else', () => {
    const yes = [
      BOARD,
      BANKS,
      `query ($id: ID!, $c: Boolean!) { lockerBank(id: $id) { ...B compartments @include(if: $c) { label bank { name } } } } fragment B on LockerBank { id __typename }`,
    ];
    const no = [
      `{ lockerBanks { id events { kind } } }`,
      `{ lockerBanks { id ...C } } fragment C on LockerBank { controller { protocolVersion } }`,
      `{ lockerBanks { id } myParcels { id } }`,
      `subscription { compartmentUpdated { label } }`,
      `mutation { createSite(input: { name: "x" }) { id } }`,
      `{ __schema { types { name } } }`,
      `{ lockerBanks { id @deprecated } }`,
    ];
    for (const q of yes) expect(boardDocument(schema, parse(q), null), q).toBe(true);
    for (const q of no) expect(boardDocument(schema, parse(q), null), q).toBe(false);
    // The operation asked for decides, not its neighbours.
    const two = parse(`query A { lockerBanks { id } } query B { lockerBanks { id events { kind } } }`);
    expect(boardDocument(schema, two, 'A')).toBe(true);
    expect(boardDocument(schema, two, 'B')).toBe(false);
  });
});
