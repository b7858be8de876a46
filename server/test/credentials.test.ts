/**
 * Credentials that end when they should: each test is an attack that used to
 * work. A removed proxy's saved code and QR, a collected parcel's QR at an
 * offline controller, an earlier occupant's QR, tokens that never expired,
 * revocations that stopped at HTTP while WebSockets stayed open, pickup codes
 * at rest in the outbox and sign-in codes in the logs, and a QR signing key
 * anyone with a copy of the database could use.
 */
import { spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { Client } from 'graphql-ws';
import { and, eq } from 'drizzle-orm';
import { decodeProtectedHeader, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { REVOCATIONS_TOPIC, type Revocation } from '../src/bus/revocations.js';
import { openSqliteDb } from '../src/db/index.js';
import { PICKUP_QR_CLOCK_SKEW_SECONDS } from '../src/devices/protocol.js';
import { sha256 } from '../src/shared/crypto.js';
import { track } from './helpers/disposables.js';
import {
  depositParcel,
  eventually,
  MY_PARCELS,
  onlineBank,
  person,
  pickupCodeOf,
  readyParcel,
  type Person,
} from './helpers/parcels.js';
import { startPushService } from './helpers/push-service.js';
import {
  closeCode,
  collect,
  connected,
  execute,
  startTestServer,
  TestClock,
  type TestServer,
} from './helpers/server.js';
import { startSmtpServer } from './helpers/smtp.js';

const DAY = 24 * 3_600_000;
const HOUR = 3_600_000;
const serverRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsx = join(serverRoot, '../node_modules/.bin/tsx');

const SHARE = `mutation ($p: ID!, $e: String) { shareParcelPickup(parcelId: $p, email: $e) { __typename ... on ParcelActionRefused { reason } } }`;
const OUTBOX = `query ($to: String) { devOutbox(to: $to, limit: 50) { subject text } }`;
const KIOSK = `mutation ($b: ID!) { createKioskCredential(bankId: $b, name: "Lobby screen") { id bankId name token expiresAt } }`;
const ROTATE_KIOSK = `mutation ($id: ID!) { rotateKioskCredential(id: $id) { id bankId name token expiresAt } }`;
const REVOKE_KIOSK = `mutation ($id: ID!) { revokeKioskCredential(id: $id) }`;
const KIOSKS = `query ($b: ID) { kioskCredentials(bankId: $b) { id bankId name createdAt expiresAt lastUsedAt revokedAt } }`;
const SET_ROLE = `mutation ($p: ID!, $r: Role!) { setPersonRole(personId: $p, role: $r) { id role disabled } }`;
const SET_DISABLED = `mutation ($p: ID!, $d: Boolean!) { setPersonDisabled(personId: $p, disabled: $d) { id role disabled } }`;
const REQUEST_CODE = `mutation ($email: String!) { requestSignInCode(email: $email) { ok } }`;
const SIGN_IN = `mutation ($email: String!, $code: String!) {
  signIn(email: $email, code: $code) { __typename ... on SignInSuccess { token } ... on SignInFailure { reason message } }
}`;
const REDEEM = `mutation ($code: String!) { redeemPickupCode(code: $code) { __typename ... on PickupRefused { message } } }`;
const PICKUP_KEYS = `{ pickupKeys { kid alg jwk retiresAt } }`;

interface Ack {
  compartments: { label: string; depositId: string | null }[];
  pickupKeys: { kid: string; retiresAt: string | null }[];
  revokedPickupTokens: string[];
}

const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;

async function collectorView(server: TestServer, who: Person, parcelId: string) {
  const res = await server.gql(MY_PARCELS, {}, who.token);
  const p = res.data?.myParcels.find((x: { id: string }) => x.id === parcelId);
  return { code: p?.pickupCode as string | null, qr: p?.pickupQrToken as string | null };
}

async function mailTo(server: TestServer, email: string): Promise<{ subject: string; text: string }[]> {
  return (await server.gql(OUTBOX, { to: email }, server.adminToken)).data.devOutbox;
}

/** The newest mail to `email` once there are more than `already` (the outbox sends after the request's commit). */
async function newestMailTo(
  server: TestServer,
  email: string,
  already = 0,
): Promise<{ subject: string; text: string }> {
  await eventually(async () => (await mailTo(server, email)).length > already);
  return (await mailTo(server, email))[0]!;
}

/** Every command the simulated controller handled, in order. */
function commandsOf(bank: Awaited<ReturnType<typeof onlineBank>>) {
  const seen: { kind: string; tokenId?: string | null; depositId?: string | null; via?: string | null }[] = [];
  track(
    null,
    bank.controller.onCommand((h) => seen.push(h.command)),
  );
  return seen;
}

/**
 * An open graphql-ws socket with a live subscription, as the web app or a
 * kiosk keeps one. `closed` resolves with the close code and when it came.
 */
async function liveSocket(server: TestServer, token: string, query = `subscription { compartmentUpdated { label } }`) {
  const client = server.wsClient({ authorization: `Bearer ${token}` });
  const closed = new Promise<{ code: number; at: number }>((resolve) =>
    client.on('closed', (e) => resolve({ code: (e as { code: number }).code, at: performance.now() })),
  );
  await connected(client);
  const subscription = collect(client, query);
  // One round trip after subscribing: the server has the subscription.
  await execute(client, `{ __typename }`);
  return { client, subscription, closed };
}

/** Runs `revoke`; the socket must close with `code` within a second of it. Returns the milliseconds. */
async function closesWithin(
  socket: Awaited<ReturnType<typeof liveSocket>>,
  code: number,
  revoke: () => Promise<unknown>,
) {
  const start = performance.now();
  await revoke();
  const outcome = await Promise.race([
    socket.closed,
    new Promise<null>((r) => setTimeout(() => r(null), 1_000 - (performance.now() - start))),
  ]);
  expect(outcome, 'socket still open 1 s after the revocation').not.toBeNull();
  expect(outcome!.code).toBe(code);
  const ms = outcome!.at - start;
  if (process.env.BAYLIGHT_REPORT_TIMINGS) console.info(`revocation → close: ${ms.toFixed(1)} ms (${code})`);
  return ms;
}

/** An operation on `client` comes back refused (an error), never with data. */
function refusedOn(client: Client, query: string, variables: Record<string, unknown> = {}) {
  return new Promise<string>((resolve) => {
    client.subscribe(
      { query, variables },
      {
        next: (r) => resolve(r.errors?.length ? String(r.errors[0]?.extensions?.code) : 'DATA'),
        error: (e) =>
          resolve(Array.isArray(e) ? String((e[0] as { extensions?: { code?: string } }).extensions?.code) : 'CLOSED'),
        complete: () => resolve('COMPLETE'),
      },
    );
  });
}

// ---------------------------------------------------------------------------
// 1. Proxies
// ---------------------------------------------------------------------------

describe('a proxy who is removed or replaced', () => {
  it('opens nothing with the code and QR they saved, online or offline; the recipient is sent the new code', async () => {
    const { server, bank, student, parcelId } = await readyParcel();
    const friend = await person(server, 'STUDENT');
    expect((await server.gql(SHARE, { p: parcelId, e: friend.email }, student.token)).data.shareParcelPickup).toEqual({
      __typename: 'ParcelActionOk',
    });
    const saved = await collectorView(server, friend, parcelId);
    expect(saved.code).toMatch(/^\d{8}$/);
    const commands = commandsOf(bank);

    expect((await server.gql(SHARE, { p: parcelId, e: null }, student.token)).data.shareParcelPickup.__typename).toBe(
      'ParcelActionOk',
    );
    const fresh = await pickupCodeOf(server, student, parcelId);
    expect(fresh).not.toBe(saved.code);
    await eventually(async () => (await mailTo(server, student.email)).some((m) => m.text.includes(fresh)));
    expect((await mailTo(server, friend.email)).some((m) => m.text.includes(fresh))).toBe(false);

    expect((await bank.controller.redeemPickupCode(saved.code!)).__typename).toBe('PickupRefused');
    expect((await bank.controller.scanPickupQr(saved.qr!)).__typename).toBe('PickupRefused');
    await eventually(() =>
      commands.some((c) => c.kind === 'REVOKE_PICKUP_TOKEN' && c.tokenId === claimsOf(saved.qr!).jti),
    );
    await bank.controller.disconnect();
    expect((await bank.controller.scanPickupQr(saved.qr!)).__typename).toBe('PickupRefused');
    await bank.controller.reconnect();
    expect((await bank.controller.redeemPickupCode(fresh)).__typename).toBe('PickupOpened');
  });

  it('replaced by another: the new proxy and the recipient share a new code, the old proxy’s opens nothing', async () => {
    const { server, bank, student, parcelId } = await readyParcel();
    const first = await person(server, 'STUDENT');
    const second = await person(server, 'STUDENT');
    await server.gql(SHARE, { p: parcelId, e: first.email }, student.token);
    const saved = await collectorView(server, first, parcelId);
    await server.gql(SHARE, { p: parcelId, e: second.email }, student.token);
    const theirs = await collectorView(server, second, parcelId);
    expect(theirs.code).not.toBe(saved.code);
    expect(await pickupCodeOf(server, student, parcelId)).toBe(theirs.code);
    expect(claimsOf(theirs.qr!).jti).not.toBe(claimsOf(saved.qr!).jti);
    expect(await collectorView(server, first, parcelId)).toEqual({ code: undefined, qr: undefined });
    expect((await bank.controller.redeemPickupCode(saved.code!)).__typename).toBe('PickupRefused');
    expect((await bank.controller.scanPickupQr(saved.qr!)).__typename).toBe('PickupRefused');
    expect((await bank.controller.redeemPickupCode(theirs.code!)).__typename).toBe('PickupOpened');
  });
});

// ---------------------------------------------------------------------------
// 2. The QR after pickup, and deposits
// ---------------------------------------------------------------------------

describe('a collected parcel’s QR', () => {
  it.each(['code', 'remote'] as const)(
    'is revoked at the controller the moment the parcel is collected (%s), and listed in connection_ack until it can no longer verify',
    async (how) => {
      const clock = new TestClock();
      const { server, bank, student, parcelId, label } = await readyParcel({ PARCEL_SWEEP_MS: '3600000' }, { clock });
      const { qr, code } = await collectorView(server, student, parcelId);
      const jti = claimsOf(qr!).jti as string;
      const exp = claimsOf(qr!).exp as number;
      const commands = commandsOf(bank);

      const open = bank.controller.nextCommand();
      if (how === 'code') expect((await bank.controller.redeemPickupCode(code!)).__typename).toBe('PickupOpened');
      else
        await server.gql(
          `mutation ($p: ID!) { openMyParcel(parcelId: $p) { __typename } }`,
          { p: parcelId },
          student.token,
        );
      expect((await open).command).toMatchObject({
        kind: 'OPEN_COMPARTMENT',
        compartmentLabel: label,
        depositId: null,
      });
      bank.controller.record(label, 'EMPTY');
      bank.controller.closeDoor(label);
      await bank.controller.flush();
      await eventually(async () => (await server.services.parcels.store.get(parcelId))?.status === 'PICKED_UP');
      await eventually(() => commands.some((c) => c.kind === 'REVOKE_PICKUP_TOKEN' && c.tokenId === jti));

      // The uplink drops: the QR still opens nothing.
      await bank.controller.disconnect();
      expect((await bank.controller.scanPickupQr(qr!)).__typename).toBe('PickupRefused');
      await bank.controller.stop();

      const ackAt = async (msPastExp: number) => {
        clock.offsetMs = exp * 1000 + msPastExp - Date.now();
        const client = server.wsClient({ deviceToken: bank.deviceToken });
        const ack = await connected<Ack>(client);
        await client.dispose();
        return ack;
      };
      expect((await ackAt(0)).revokedPickupTokens).toContain(jti);
      expect((await ackAt(PICKUP_QR_CLOCK_SKEW_SECONDS * 1000 - 10_000)).revokedPickupTokens).toContain(jti);
      expect((await ackAt(PICKUP_QR_CLOCK_SKEW_SECONDS * 1000 + 10_000)).revokedPickupTokens).not.toContain(jti);
    },
  );

  it('of a parcel collected at the desk after a recall stays revoked', async () => {
    const clock = new TestClock();
    const { server, bank, clerk, parcelId, label } = await readyParcel({ PARCEL_SWEEP_MS: '3600000' }, { clock });
    const jti = (await server.services.parcels.store.get(parcelId))!.qrTokenId!;
    const commands = commandsOf(bank);
    clock.advance(73 * HOUR);
    await server.services.parcels.sweep();
    await server.gql(`mutation ($p: ID!) { openForRecall(parcelId: $p) { __typename } }`, { p: parcelId }, clerk.token);
    await eventually(() => commands.some((c) => c.kind === 'OPEN_COMPARTMENT' && c.via === 'RECALL'));
    bank.controller.record(label, 'EMPTY');
    bank.controller.closeDoor(label);
    await bank.controller.flush();
    await eventually(async () => (await server.services.parcels.store.get(parcelId))?.status === 'AT_DESK');
    await server.gql(
      `mutation ($p: ID!) { handOverAtDesk(parcelId: $p) { __typename } }`,
      { p: parcelId },
      clerk.token,
    );
    expect(await server.services.parcels.store.token(server.services.db.read, jti)).toMatchObject({
      revokedAt: expect.any(Date),
    });
  });
});

describe('a QR is bound to the deposit in its compartment', () => {
  it('deposit commands and connection_ack name the deposit; an earlier occupant’s QR never opens a later parcel', async () => {
    const server = await startTestServer();
    const bank = await onlineBank(server, { compartments: [{ label: 'A01', size: 'M' }] });
    const clerk = await person(server, 'MAILROOM');
    const alice = await person(server, 'STUDENT');
    const bob = await person(server, 'STUDENT');
    const commands = commandsOf(bank);

    const first = await depositParcel(server, bank, clerk, alice);
    expect(commands.find((c) => c.via === 'DEPOSIT')).toMatchObject({ depositId: first.parcelId });
    const aliceQr = (await collectorView(server, alice, first.parcelId)).qr!;
    expect(claimsOf(aliceQr)).toMatchObject({ dep: first.parcelId, cmp: 'A01', bank: bank.bankId });
    expect(decodeProtectedHeader(aliceQr)).toMatchObject({ alg: 'EdDSA', typ: 'baylight-pickup+jwt' });
    expect(typeof claimsOf(aliceQr).exp).toBe('number');

    // The door opens when the controller handles the command, which may come after the answer.
    const opened = bank.controller.nextCommand(10_000, (h) => h.command.kind === 'OPEN_COMPARTMENT');
    expect((await bank.controller.redeemPickupCode(await pickupCodeOf(server, alice, first.parcelId))).__typename).toBe(
      'PickupOpened',
    );
    expect((await opened).outcome).toBe('OPENED');
    bank.controller.record('A01', 'EMPTY');
    bank.controller.closeDoor('A01');
    await bank.controller.flush();
    await eventually(async () => (await server.services.parcels.store.get(first.parcelId))?.status === 'PICKED_UP');

    commands.length = 0;
    const second = await depositParcel(server, bank, clerk, bob);
    expect(commands.find((c) => c.via === 'DEPOSIT')).toMatchObject({ depositId: second.parcelId });
    expect(second.label).toBe('A01');

    // Online, offline, and reported by a controller that opened anyway: Alice's QR is not Bob's parcel.
    expect((await bank.controller.scanPickupQr(aliceQr)).__typename).toBe('PickupRefused');
    await bank.controller.disconnect();
    expect((await bank.controller.scanPickupQr(aliceQr)).__typename).toBe('PickupRefused');
    await bank.controller.reconnect();
    bank.controller.record('A01', 'PICKUP_QR_OFFLINE', aliceQr);
    await bank.controller.flush();
    const alert = await eventually(async () => {
      const r = await server.gql(`{ staffAlerts { kind message } }`, {}, clerk.token);
      return r.data.staffAlerts.find((a: { kind: string }) => a.kind === 'QR_REUSED');
    });
    expect(alert.message).toContain('earlier deposit');
    expect(await server.services.parcels.store.get(second.parcelId)).toMatchObject({
      status: 'READY_FOR_PICKUP',
      operation: null,
    });

    await bank.controller.stop();
    const ack = await connected<Ack>(server.wsClient({ deviceToken: bank.deviceToken }));
    expect(ack.compartments).toEqual([expect.objectContaining({ label: 'A01', depositId: second.parcelId })]);
    expect(ack.revokedPickupTokens).toContain(claimsOf(aliceQr).jti);
  });

  it('lists no deposit for an empty compartment', async () => {
    const server = await startTestServer();
    const { deviceToken } = await server.createBank({ count: 2 });
    const ack = await connected<Ack>(server.wsClient({ deviceToken }));
    expect(ack.compartments.map((c) => c.depositId)).toEqual([null, null]);
  });
});

// ---------------------------------------------------------------------------
// 3. Lifetimes
// ---------------------------------------------------------------------------

describe('credential lifetimes', () => {
  it('gives an API token API_TOKEN_TTL_DAYS and records when it was last used', async () => {
    const clock = new TestClock();
    const server = await startTestServer({ API_TOKEN_TTL_DAYS: '3' }, { clock });
    const staff = await person(server, 'STAFF');
    const { personTokens } = server.services.db.tables;
    const row = async () =>
      (
        await server.services.db.read.select().from(personTokens).where(eq(personTokens.personId, staff.id)).limit(1)
      )[0]!;
    expect((await row()).expiresAt!.getTime() - (await row()).createdAt.getTime()).toBe(3 * DAY);
    expect((await row()).lastUsedAt).toBeNull();
    expect((await server.gql(`{ sites { id } }`, {}, staff.token)).data.sites).toEqual([]);
    expect((await row()).lastUsedAt).toBeInstanceOf(Date);
    clock.advance(3 * DAY + 60_000);
    expect((await server.gql(`{ sites { id } }`, {}, staff.token)).errors?.[0]?.extensions?.code).toBe(
      'UNAUTHENTICATED',
    );
  });

  it('lets the admin CLI set an API token’s lifetime with --days', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baylight-cli-'));
    track(null, () => rmSync(dir, { recursive: true, force: true }));
    const env = {
      ...process.env,
      DATABASE_FILE: join(dir, 'baylight.db'),
      PICKUP_SIGNING_KEY_FILE: join(dir, 'keys.json'),
      LOG_LEVEL: 'silent',
    };
    const run = (...args: string[]) =>
      spawnSync(tsx, ['src/cli/admin.ts', ...args], { cwd: serverRoot, env, encoding: 'utf8' });
    const made = run('create-token', '--role', 'ADMIN', '--name', 'ops', '--days', '2');
    expect(made.status, made.stderr).toBe(0);
    const token = made.stdout.trim();
    const db = openSqliteDb(env.DATABASE_FILE);
    try {
      const { personTokens } = db.tables;
      const row = (
        await db.read
          .select()
          .from(personTokens)
          .where(eq(personTokens.hash, sha256(token)))
          .limit(1)
      )[0]!;
      expect(row.kind).toBe('API');
      expect(Math.abs(row.expiresAt!.getTime() - Date.now() - 2 * DAY)).toBeLessThan(60_000);
    } finally {
      await db.close();
    }
    expect(run('create-token', '--role', 'ADMIN', '--name', 'ops', '--days', '0').status).toBe(2);
  });

  it('gives a kiosk credential KIOSK_CREDENTIAL_TTL_DAYS; admins list (never the token) and rotate it, and the old token stops at once', async () => {
    const clock = new TestClock();
    const server = await startTestServer({ KIOSK_CREDENTIAL_TTL_DAYS: '10' }, { clock });
    const { bankId } = await server.createBank({ name: 'A' });
    const clerk = await person(server, 'MAILROOM');
    const made = (await server.gql(KIOSK, { b: bankId })).data.createKioskCredential;
    expect(Math.abs(Date.parse(made.expiresAt) - clock.now().getTime() - 10 * DAY)).toBeLessThan(60_000);
    const session = (token: string) => server.gql(`{ kioskSession { kioskId } }`, {}, token);
    expect((await session(made.token)).data.kioskSession).toEqual({ kioskId: made.id });

    const listed = (await server.gql(KIOSKS, { b: bankId })).data.kioskCredentials;
    expect(listed).toEqual([
      expect.objectContaining({
        id: made.id,
        bankId,
        name: 'Lobby screen',
        revokedAt: null,
        expiresAt: made.expiresAt,
      }),
    ]);
    expect(listed[0].lastUsedAt).not.toBeNull();
    expect(JSON.stringify(listed)).not.toContain(made.token);
    expect((await server.gql(KIOSKS, {}, clerk.token)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await server.gql(ROTATE_KIOSK, { id: made.id }, clerk.token)).errors?.[0]?.extensions?.code).toBe(
      'FORBIDDEN',
    );

    const rotated = (await server.gql(ROTATE_KIOSK, { id: made.id })).data.rotateKioskCredential;
    expect(rotated).toMatchObject({ bankId, name: 'Lobby screen' });
    expect(rotated.token).not.toBe(made.token);
    expect((await session(made.token)).data.kioskSession).toBeNull();
    expect((await session(rotated.token)).data.kioskSession).toEqual({ kioskId: rotated.id });
    const after = (await server.gql(KIOSKS, { b: bankId })).data.kioskCredentials;
    expect(after.find((k: { id: string }) => k.id === made.id).revokedAt).not.toBeNull();
    // A revoked credential is not brought back by rotating it.
    expect((await server.gql(ROTATE_KIOSK, { id: made.id })).errors?.[0]?.extensions?.code).toBe('CONFLICT');

    clock.advance(10 * DAY + 60_000);
    expect((await session(rotated.token)).data.kioskSession).toBeNull();
    // An expired credential is what rotation is for.
    const renewed = (await server.gql(ROTATE_KIOSK, { id: rotated.id })).data.rotateKioskCredential;
    expect((await session(renewed.token)).data.kioskSession).toEqual({ kioskId: renewed.id });
  });
});

// ---------------------------------------------------------------------------
// 4. Revocation reaches open sockets
// ---------------------------------------------------------------------------

describe('revocation reaches open WebSockets', () => {
  it('answers bad input to the admin tools with a code and changes nothing', async () => {
    const server = await startTestServer();
    const student = await person(server, 'STUDENT');
    const me = (await server.services.people.authenticate(server.adminToken))!;
    const ROLE = `mutation ($p: ID!, $r: Role!) { setPersonRole(personId: $p, role: $r) { role } }`;
    const DISABLE = `mutation ($p: ID!, $d: Boolean!) { setPersonDisabled(personId: $p, disabled: $d) { disabled } }`;
    const code = (r: { errors?: { extensions?: { code?: string } }[] }) => r.errors?.[0]?.extensions?.code;
    expect(code(await server.gql(ROLE, { p: 'per_nobody', r: 'IT' }))).toBe('NOT_FOUND');
    expect(code(await server.gql(ROLE, { p: student.id, r: 'OVERLORD' }))).toBe('BAD_USER_INPUT');
    expect(code(await server.gql(ROLE, { p: me.personId, r: 'STUDENT' }))).toBe('BAD_USER_INPUT');
    expect(code(await server.gql(DISABLE, { p: me.personId, d: true }))).toBe('BAD_USER_INPUT');
    expect(code(await server.gql(DISABLE, { p: 'per_nobody', d: true }))).toBe('NOT_FOUND');
    expect(code(await server.gql(`mutation { rotateKioskCredential(id: "ksk_nobody") { id } }`))).toBe('NOT_FOUND');
    expect(await server.services.people.findById(student.id)).toMatchObject({ role: 'STUDENT', disabledAt: null });
    expect(await server.services.people.findById(me.personId)).toMatchObject({ role: 'ADMIN', disabledAt: null });
  });

  it('closes a revoked kiosk’s socket within a second (4403); it redeems no more codes', async () => {
    const server = await startTestServer();
    const bank = await onlineBank(server);
    const { id, token } = (await server.gql(KIOSK, { b: bank.bankId })).data.createKioskCredential;
    const socket = await liveSocket(server, token);
    expect((await execute(socket.client, REDEEM, { code: '12345678' })).data.redeemPickupCode.__typename).toBe(
      'PickupRefused',
    );
    await closesWithin(socket, 4403, () => server.gql(REVOKE_KIOSK, { id }));
    expect(await refusedOn(socket.client, REDEEM, { code: '12345678' })).not.toBe('DATA');
  });

  it('closes the socket of a rotated kiosk credential; the new token connects', async () => {
    const server = await startTestServer();
    const bank = await onlineBank(server);
    const { id, token } = (await server.gql(KIOSK, { b: bank.bankId })).data.createKioskCredential;
    const socket = await liveSocket(server, token);
    let fresh = '';
    await closesWithin(socket, 4403, async () => {
      fresh = (await server.gql(ROTATE_KIOSK, { id })).data.rotateKioskCredential.token;
    });
    const again = await liveSocket(server, fresh);
    expect((await execute(again.client, `{ kioskSession { bank { id } } }`)).data.kioskSession.bank.id).toBe(
      bank.bankId,
    );
  });

  it('closes the socket of a signed-out session (4403) and leaves the person’s other sessions open', async () => {
    const server = await startTestServer();
    const staff = await person(server, 'STAFF');
    const other = (await server.services.people.createSession(staff.id)).token;
    const signedOut = await liveSocket(server, staff.token);
    const stays = await liveSocket(server, other);
    await closesWithin(signedOut, 4403, () => server.gql(`mutation { signOut }`, {}, staff.token));
    expect((await execute(stays.client, `{ me { id } }`)).data.me.id).toBe(staff.id);
  });

  it('disables a person: sockets closed (4403), tokens refused, sign-in answered like a wrong code, no code sent', async () => {
    const server = await startTestServer();
    const clerk = await person(server, 'MAILROOM');
    const socket = await liveSocket(server, clerk.token, `subscription { parcelUpdated { id } }`);
    expect((await server.gql(SET_DISABLED, { p: clerk.id, d: true }, clerk.token)).errors?.[0]?.extensions?.code).toBe(
      'FORBIDDEN',
    );
    await closesWithin(socket, 4403, async () => {
      const res = await server.gql(SET_DISABLED, { p: clerk.id, d: true });
      expect(res.data.setPersonDisabled).toEqual({ id: clerk.id, role: 'MAILROOM', disabled: true });
    });
    expect((await server.gql(`{ sites { id } }`, {}, clerk.token)).errors?.[0]?.extensions?.code).toBe(
      'UNAUTHENTICATED',
    );
    expect(await closeCode(server.wsClient({ authorization: `Bearer ${clerk.token}` }))).toBe(4403);

    // Sign-in: nothing is sent, and a code (right or wrong) gets the wrong-code answer.
    const before = (await mailTo(server, clerk.email)).length;
    expect((await server.gql(REQUEST_CODE, { email: clerk.email }, null)).data.requestSignInCode.ok).toBe(true);
    expect(await mailTo(server, clerk.email)).toHaveLength(before);
    const unknown = (await server.gql(SIGN_IN, { email: 'nobody@uni.test', code: '123456' }, null)).data.signIn;
    const disabled = (await server.gql(SIGN_IN, { email: clerk.email, code: '123456' }, null)).data.signIn;
    expect(disabled).toEqual(unknown);
    expect(disabled.reason).toBe('CODE_NOT_VALID');

    // Enabled again: signs in afresh; the old tokens stay revoked.
    await server.gql(SET_DISABLED, { p: clerk.id, d: false });
    const sent = (await mailTo(server, clerk.email)).length;
    await server.gql(REQUEST_CODE, { email: clerk.email }, null);
    const code = /(\d{6})/.exec((await newestMailTo(server, clerk.email, sent)).subject)![1]!;
    expect((await server.gql(SIGN_IN, { email: clerk.email, code }, null)).data.signIn.__typename).toBe(
      'SignInSuccess',
    );
    expect((await server.gql(`{ sites { id } }`, {}, clerk.token)).errors?.[0]?.extensions?.code).toBe(
      'UNAUTHENTICATED',
    );
  });

  it('re-authorises on a role change: sockets are closed with 4001 and reconnect with the new role', async () => {
    const server = await startTestServer();
    const clerk = await person(server, 'MAILROOM');
    const socket = await liveSocket(server, clerk.token, `subscription { parcelUpdated { id } }`);
    expect((await server.gql(SET_ROLE, { p: clerk.id, r: 'ADMIN' }, clerk.token)).errors?.[0]?.extensions?.code).toBe(
      'FORBIDDEN',
    );
    await closesWithin(socket, 4001, async () => {
      const res = await server.gql(SET_ROLE, { p: clerk.id, r: 'STUDENT' });
      expect(res.data.setPersonRole).toEqual({ id: clerk.id, role: 'STUDENT', disabled: false });
    });
    const again = server.wsClient({ authorization: `Bearer ${clerk.token}` });
    await connected(again);
    expect((await execute(again, `{ me { role } }`)).data.me.role).toBe('STUDENT');
    expect(await refusedOn(again, `subscription { parcelUpdated { id } }`)).toBe('FORBIDDEN');
    // The same role again changes nothing and closes nothing.
    const calm = await liveSocket(server, clerk.token, `subscription { myParcelUpdated { id } }`);
    await server.gql(SET_ROLE, { p: clerk.id, r: 'STUDENT' });
    await new Promise((r) => setTimeout(r, 200));
    expect((await execute(calm.client, `{ me { role } }`)).data.me.role).toBe('STUDENT');
  });

  it('re-authorises open sockets when an admin import changes a role; a mailroom import changes none', async () => {
    const server = await startTestServer();
    const student = await person(server, 'STUDENT');
    const IMPORT = `mutation ($c: String!) { importPeople(csv: $c) { created updated errors { line message } } }`;
    const byMailroom = await server.gql(
      IMPORT,
      { c: `email,name,role\n${student.email},Renamed,IT\n` },
      (await person(server, 'MAILROOM')).token,
    );
    expect(byMailroom.data.importPeople.errors).toEqual([{ line: 2, message: expect.any(String) }]);
    expect(await server.services.people.findById(student.id)).toMatchObject({ role: 'STUDENT' });
    const socket = await liveSocket(server, student.token);
    await closesWithin(socket, 4001, async () => {
      const byAdmin = await server.gql(IMPORT, { c: `email,name,role\n${student.email},Renamed,IT\n` });
      expect(byAdmin.data.importPeople).toMatchObject({ updated: 1, errors: [] });
    });
    expect(await server.services.people.findById(student.id)).toMatchObject({ role: 'IT', name: 'Renamed' });
  });

  it('closes sockets when a revocation arrives on the Bus from another instance', async () => {
    const server = await startTestServer();
    const bank = await onlineBank(server);
    const { id, token } = (await server.gql(KIOSK, { b: bank.bankId })).data.createKioskCredential;
    const socket = await liveSocket(server, token);
    await closesWithin(socket, 4403, () => {
      // What another instance publishes after revoking (its own database write is not needed to close).
      server.services.bus.publish<Revocation>(REVOCATIONS_TOPIC, {
        match: { kioskId: id },
        code: 4403,
        reason: 'revoked',
      });
      return Promise.resolve();
    });
  });

  it('authenticates every operation again: a credential revoked behind the socket’s back is refused and the socket closed', async () => {
    const server = await startTestServer();
    const bank = await onlineBank(server);
    const { id, token } = (await server.gql(KIOSK, { b: bank.bankId })).data.createKioskCredential;
    const staff = await person(server, 'STAFF');
    const kiosk = await liveSocket(server, token);
    const person_ = await liveSocket(server, staff.token);
    // Straight into the database: no revocation is published.
    const { kiosks, personTokens } = server.services.db.tables;
    await server.services.db.transaction(async (tx) => {
      await tx.update(kiosks).set({ revokedAt: new Date() }).where(eq(kiosks.id, id));
      await tx
        .update(personTokens)
        .set({ revokedAt: new Date() })
        .where(and(eq(personTokens.personId, staff.id)));
    });
    expect(await refusedOn(kiosk.client, REDEEM, { code: '12345678' })).toBe('UNAUTHENTICATED');
    expect(await refusedOn(person_.client, `{ me { id } }`)).toBe('UNAUTHENTICATED');
    expect((await kiosk.closed).code).toBe(4403);
    expect((await person_.closed).code).toBe(4403);
  });
});

// ---------------------------------------------------------------------------
// 5. Secrets at rest and in logs
// ---------------------------------------------------------------------------

describe('secrets at rest and in logs', () => {
  it('keeps a pickup code in the outbox only until its notice is delivered; the e-mail and the push carry it', async () => {
    const smtp = await startSmtpServer();
    const push = await startPushService();
    const server = await startTestServer({ SMTP_URL: smtp.url, DEV_OUTBOX: 'false' }, { pushAgent: push.agent });
    const bank = await onlineBank(server);
    const clerk = await person(server, 'MAILROOM');
    const student = await person(server, 'STUDENT');
    const browser = push.subscribe('phone');
    await server.gql(
      `mutation ($input: PushSubscriptionInput!) { registerPushSubscription(input: $input) { id } }`,
      { input: { endpoint: browser.endpoint, p256dh: browser.p256dh, auth: browser.auth } },
      student.token,
    );
    const { parcelId } = await depositParcel(server, bank, clerk, student);
    const code = await pickupCodeOf(server, student, parcelId);
    const mail = await eventually(() => smtp.received.find((m) => m.to.includes(student.email)));
    expect(mail.raw).toContain(code);
    const delivery = await eventually(() => push.deliveries.find((d) => d.path === '/push/phone'));
    expect(JSON.parse(browser.decrypt(delivery.body)).body).toContain(code);

    await eventually(async () => (await server.services.notify.store.countByStatus('SENT')) === 2);
    const rows = await server.services.db.read.select().from(server.services.db.tables.notificationOutbox);
    expect(rows).toHaveLength(2);
    expect(JSON.stringify(rows)).not.toContain(code);
    expect(rows.every((r) => r.secret === null && r.body.includes('{secret}'))).toBe(true);
  });

  it('writes no sign-in or pickup code to the logs outside development', async () => {
    const lines: string[] = [];
    const logger = pino(
      { level: 'debug' },
      new Writable({
        write(chunk: Buffer, _enc, done) {
          lines.push(chunk.toString('utf8'));
          done();
        },
      }),
    );
    const server = await startTestServer({ NODE_ENV: 'test', LOG_LEVEL: 'debug' }, { logger });
    const bank = await onlineBank(server);
    const clerk = await person(server, 'MAILROOM');
    const student = await person(server, 'STUDENT');
    await server.gql(REQUEST_CODE, { email: student.email }, null);
    const signInCode = /(\d{6})/.exec((await newestMailTo(server, student.email)).subject)![1]!;
    const { parcelId } = await depositParcel(server, bank, clerk, student);
    const pickupCode = await pickupCodeOf(server, student, parcelId);
    await eventually(async () => (await mailTo(server, student.email)).some((m) => m.text.includes(pickupCode)));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.filter((l) => l.includes(signInCode) || l.includes(pickupCode))).toEqual([]);
  });

  it('keeps the QR signing key out of the database: a copy of the database alone forges no QR', async () => {
    const { server, bank, student, parcelId } = await readyParcel();
    const file = join(server.dir, 'pickup-signing-keys.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const ring = JSON.parse(readFileSync(file, 'utf8')) as { keys: { kid: string; jwk: { d: string } }[] };
    const privateParts = ring.keys.map((k) => k.jwk.d);

    // A copy of the database, as a backup would take it: every table, every row.
    const copyFile = join(server.dir, 'copy.db');
    const live = new Database(join(server.dir, 'baylight.db'));
    live.exec(`VACUUM INTO '${copyFile}'`);
    live.close();
    const copy = new Database(copyFile, { readonly: true });
    const names = copy.prepare(`select name from sqlite_master where type = 'table'`).all() as { name: string }[];
    const dump = JSON.stringify(names.map(({ name }) => copy.prepare(`select * from "${name}"`).all()));
    copy.close();
    for (const d of privateParts) expect(dump).not.toContain(d);
    expect(dump).not.toMatch(/"d"\s*:/);
    expect(dump).not.toContain('pickup_signing_key');

    // What a forger can do with the public key and a key of their own: nothing.
    const real = (await collectorView(server, student, parcelId)).qr!;
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const forged = await new SignJWT(claimsOf(real))
      .setProtectedHeader({ ...decodeProtectedHeader(real), alg: 'EdDSA' })
      .sign(privateKey);
    expect((await bank.controller.scanPickupQr(forged)).__typename).toBe('PickupRefused');
    expect((await bank.controller.scanPickupQr(real)).__typename).toBe('PickupOpened');
  });

  it('moves a key an older server left in the database into the key file; tokens it signed still verify', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baylight-legacy-'));
    track(null, () => rmSync(dir, { recursive: true, force: true }));
    const env = { DATABASE_FILE: join(dir, 'baylight.db'), PICKUP_SIGNING_KEY_FILE: join(dir, 'keys.json') };
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const legacy = { ...(await exportJWK(privateKey)), kid: 'pk-legacy' };
    const db = openSqliteDb(env.DATABASE_FILE);
    await db.transaction(async (tx) => {
      await tx.insert(db.tables.serverSettings).values({ key: 'pickup_signing_key', value: JSON.stringify(legacy) });
    });
    await db.close();
    const old = await new SignJWT({ dep: 'pcl_1', bank: 'bank_1', cmp: 'A01' })
      .setProtectedHeader({ alg: 'EdDSA', kid: 'pk-legacy', typ: 'baylight-pickup+jwt' })
      .setSubject('pcl_1')
      .setJti('qr_1')
      .setExpirationTime(Math.floor(Date.now() / 1000) + 3600)
      .sign(privateKey);

    const server = await startTestServer(env);
    const { serverSettings } = server.services.db.tables;
    expect(
      (
        await server.services.db.read
          .select()
          .from(serverSettings)
          .where(eq(serverSettings.key, 'pickup_signing_key'))
          .limit(1)
      )[0],
    ).toBeUndefined();
    expect(statSync(env.PICKUP_SIGNING_KEY_FILE).mode & 0o777).toBe(0o600);
    expect(readFileSync(env.PICKUP_SIGNING_KEY_FILE, 'utf8')).toContain(legacy.d!);
    expect(server.services.signer.kid).toBe('pk-legacy');
    expect(await server.services.signer.verify(old)).toMatchObject({ sub: 'pcl_1', dep: 'pcl_1', jti: 'qr_1' });
  });

  it('refuses to start when the key file is open to group or others, and takes PICKUP_SIGNING_KEYS instead of a file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baylight-keys-'));
    track(null, () => rmSync(dir, { recursive: true, force: true }));
    const first = await startTestServer({ PICKUP_SIGNING_KEY_FILE: join(dir, 'keys.json') });
    await first.close();
    const ring = readFileSync(join(dir, 'keys.json'), 'utf8');
    chmodSync(join(dir, 'keys.json'), 0o644);
    await expect(startTestServer({ PICKUP_SIGNING_KEY_FILE: join(dir, 'keys.json') })).rejects.toThrow(/chmod 600/);

    const fromEnv = await startTestServer({
      PICKUP_SIGNING_KEYS: ring,
      PICKUP_SIGNING_KEY_FILE: join(dir, 'unused.json'),
    });
    expect(() => statSync(join(dir, 'unused.json'))).toThrow();
    expect((await fromEnv.gql(PICKUP_KEYS, {}, null)).data.pickupKeys.map((k: { kid: string }) => k.kid)).toEqual(
      (JSON.parse(ring) as { keys: { kid: string }[] }).keys.map((k) => k.kid),
    );
    writeFileSync(join(dir, 'broken.json'), '{"keys": []}', { mode: 0o600 });
    await expect(startTestServer({ PICKUP_SIGNING_KEY_FILE: join(dir, 'broken.json') })).rejects.toThrow(/keys: /);
  });

  it('rotates the signing key: the new one signs, the old one verifies during the grace period and not after', async () => {
    const clock = new TestClock();
    const { server, bank, student, parcelId } = await readyParcel(
      { PICKUP_KEY_GRACE_HOURS: '2', PARCEL_SWEEP_MS: '3600000' },
      { clock },
    );
    const oldQr = (await collectorView(server, student, parcelId)).qr!;
    const oldKid = decodeProtectedHeader(oldQr).kid;
    const reconnected = new Promise<void>((resolve) =>
      bank.controller.onStatus((s) => {
        if (s === 'connected') resolve();
      }),
    );

    const { added } = await server.services.pickupKeys.rotate();
    const keys = (await server.gql(PICKUP_KEYS, {}, null)).data.pickupKeys;
    expect(keys.map((k: { kid: string }) => k.kid)).toEqual([oldKid, added.kid]);
    expect(Math.abs(Date.parse(keys[0].retiresAt) - clock.now().getTime() - 2 * HOUR)).toBeLessThan(60_000);
    expect(keys[1].retiresAt).toBeNull();
    // Connected controllers are asked to reconnect (4001) and learn the new key from connection_ack.
    await reconnected;
    const newQr = (await collectorView(server, student, parcelId)).qr!;
    expect(decodeProtectedHeader(newQr).kid).toBe(added.kid);
    expect(await server.services.signer.verify(oldQr)).not.toBeNull();

    clock.advance(2 * HOUR + 60_000);
    expect(await server.services.signer.verify(oldQr)).toBeNull();
    expect((await server.gql(PICKUP_KEYS, {}, null)).data.pickupKeys.map((k: { kid: string }) => k.kid)).toEqual([
      added.kid,
    ]);
    expect((await bank.controller.scanPickupQr(oldQr)).__typename).toBe('PickupRefused');
    expect((await bank.controller.scanPickupQr(newQr)).__typename).toBe('PickupOpened');
  });

  it('rotates from the admin CLI; a running server signs with the new key within seconds', async () => {
    const server = await startTestServer();
    const before = (await server.gql(PICKUP_KEYS, {}, null)).data.pickupKeys.map((k: { kid: string }) => k.kid);
    const rotated = spawnSync(tsx, ['src/cli/admin.ts', 'rotate-pickup-key'], {
      cwd: serverRoot,
      env: {
        ...process.env,
        DATABASE_FILE: join(server.dir, 'baylight.db'),
        PICKUP_SIGNING_KEY_FILE: join(server.dir, 'pickup-signing-keys.json'),
        LOG_LEVEL: 'silent',
      },
      encoding: 'utf8',
    });
    expect(rotated.status, rotated.stderr).toBe(0);
    const kid = /new signing key (\S+)/i.exec(rotated.stdout + rotated.stderr)?.[1];
    expect(kid).toBeTruthy();
    await eventually(() => server.services.signer.kid === kid, 5_000);
    expect((await server.gql(PICKUP_KEYS, {}, null)).data.pickupKeys.map((k: { kid: string }) => k.kid)).toEqual([
      ...before,
      kid,
    ]);
  });
});
