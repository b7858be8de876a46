/**
 * What happens when things do not go to plan: the pickup window runs out,
 * the uplink is down, the recipient needs more time or sends someone else.
 */
import { describe, expect, it } from 'vitest';
import {
  depositParcel,
  eventually,
  MY_PARCELS,
  onlineBank,
  person,
  pickupCodeOf,
  readyParcel,
} from './helpers/parcels.js';
import { connected, execute, sleep, startTestServer, TestClock, type TestServer } from './helpers/server.js';

const HOUR = 3_600_000;

/** A second parcel, for another student, ready in `bank`. */
async function readyParcelOn(
  server: TestServer,
  bank: Awaited<ReturnType<typeof onlineBank>>,
  clerk: Awaited<ReturnType<typeof person>>,
) {
  const student = await person(server, 'STUDENT');
  const { parcelId, label } = await depositParcel(server, bank, clerk, student);
  return { student, parcelId, label };
}

describe('expiry and recall', () => {
  it('turns an uncollected parcel into a recall task: code dead, QR revoked at the controller, recipient told; the clerk opens, removes, and it is at the desk', async () => {
    const clock = new TestClock();
    const { server, bank, clerk, student, parcelId, label } = await readyParcel(
      { PARCEL_SWEEP_MS: '3600000' },
      { clock },
    );
    const before = (await server.services.parcels.store.get(parcelId))!;
    const code = await pickupCodeOf(server, student, parcelId);

    const revocation = bank.controller.nextCommand();
    clock.advance(73 * HOUR);
    await server.services.parcels.sweep();
    const after = (await server.services.parcels.store.get(parcelId))!;
    expect(after).toMatchObject({ status: 'RECALL_PENDING', codeLookup: null });
    expect((await revocation).command).toMatchObject({ kind: 'REVOKE_PICKUP_TOKEN', tokenId: before.qrTokenId });
    expect((await bank.controller.redeemPickupCode(code)).__typename).toBe('PickupRefused');
    const outbox = await server.gql(
      `query ($to: String) { devOutbox(to: $to) { subject text } }`,
      { to: student.email },
      server.adminToken,
    );
    expect(outbox.data.devOutbox.map((m: { subject: string }) => m.subject)).toContain(
      'Your parcel is at the mailroom desk',
    );

    const recallList = await server.gql(`{ parcels(status: RECALL_PENDING) { id } }`, {}, clerk.token);
    expect(recallList.data.parcels).toEqual([{ id: parcelId }]);
    const open = bank.controller.nextCommand();
    const res = await server.gql(
      `mutation ($p: ID!) { openForRecall(parcelId: $p) { __typename } }`,
      { p: parcelId },
      clerk.token,
    );
    expect(res.data.openForRecall.__typename).toBe('ParcelActionOk');
    expect((await open).command.compartmentLabel).toBe(label);
    bank.controller.record(label, 'EMPTY');
    bank.controller.closeDoor(label);
    await bank.controller.flush();
    await eventually(async () => (await server.services.parcels.store.get(parcelId))?.status === 'AT_DESK');
    expect(await server.services.parcels.store.get(parcelId)).toMatchObject({
      deskReason: 'RECALLED',
      compartmentId: null,
    });
    expect((await server.services.lockers.findCompartment(bank.bankId, label))?.state).toBe('AVAILABLE');
    const handed = await server.gql(
      `mutation ($p: ID!) { handOverAtDesk(parcelId: $p) { __typename ... on ParcelActionOk { parcel { status pickupMethod } } } }`,
      { p: parcelId },
      clerk.token,
    );
    expect(handed.data.handOverAtDesk.parcel).toEqual({ status: 'PICKED_UP', pickupMethod: 'DESK' });
  });

  it('sends a reminder after 24 hours and a last call before expiry, once each', async () => {
    const clock = new TestClock();
    const server = await startTestServer({ PARCEL_SWEEP_MS: '3600000' }, { clock });
    const bank = await onlineBank(server);
    const clerk = await person(server, 'MAILROOM');
    const student = await person(server, 'STUDENT');
    await depositParcel(server, bank, clerk, student);
    const subjects = async () =>
      (
        await server.gql(
          `query ($to: String) { devOutbox(to: $to, limit: 50) { subject } }`,
          { to: student.email },
          server.adminToken,
        )
      ).data.devOutbox.map((m: { subject: string }) => m.subject.split(':')[0]);
    await eventually(async () => (await subjects()).length === 1);
    clock.advance(25 * HOUR);
    await server.services.parcels.sweep();
    await server.services.parcels.sweep();
    await eventually(async () => (await subjects()).includes('Reminder'));
    clock.advance(36 * HOUR); // 61 h: within 12 h of the 72 h window
    await server.services.parcels.sweep();
    await server.services.parcels.sweep();
    await eventually(async () => (await subjects()).includes('Last call'));
    await sleep(200);
    const all: string[] = await subjects();
    expect(all.filter((s) => s === 'Reminder')).toHaveLength(1);
    expect(all.filter((s) => s === 'Last call')).toHaveLength(1);
  });

  it('lets the recipient extend once, which moves the window and replaces the QR', async () => {
    const { server, bank, student, parcelId } = await readyParcel();
    const before = (await server.services.parcels.store.get(parcelId))!;
    const EXTEND = `mutation ($p: ID!) { extendParcelHold(parcelId: $p) { __typename ... on ParcelActionRefused { reason } } }`;
    const revoked = bank.controller.nextCommand();
    expect((await server.gql(EXTEND, { p: parcelId }, student.token)).data.extendParcelHold.__typename).toBe(
      'ParcelActionOk',
    );
    const after = (await server.services.parcels.store.get(parcelId))!;
    expect(after.expiresAt!.getTime() - before.expiresAt!.getTime()).toBe(72 * HOUR);
    expect(after.qrTokenId).not.toBe(before.qrTokenId);
    expect((await revoked).command).toMatchObject({ kind: 'REVOKE_PICKUP_TOKEN', tokenId: before.qrTokenId });
    expect((await server.gql(EXTEND, { p: parcelId }, student.token)).data.extendParcelHold.reason).toBe(
      'ALREADY_EXTENDED',
    );
    const other = await person(server, 'STUDENT');
    expect((await server.gql(EXTEND, { p: parcelId }, other.token)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('shares pickup with a named proxy who then sees the code; an unknown address gets the same answer and no access', async () => {
    const server = await startTestServer();
    const bank = await onlineBank(server);
    const clerk = await person(server, 'MAILROOM');
    const student = await person(server, 'STUDENT');
    const friend = await person(server, 'STUDENT');
    const { parcelId } = await depositParcel(server, bank, clerk, student);
    const SHARE = `mutation ($p: ID!, $e: String) { shareParcelPickup(parcelId: $p, email: $e) { __typename ... on ParcelActionRefused { reason } } }`;
    expect(
      (await server.gql(SHARE, { p: parcelId, e: 'stranger@nowhere.test' }, student.token)).data.shareParcelPickup
        .__typename,
    ).toBe('ParcelActionOk');
    expect((await server.services.parcels.store.get(parcelId))?.proxyId).toBeNull();
    expect(
      (await server.gql(SHARE, { p: parcelId, e: friend.email }, student.token)).data.shareParcelPickup.__typename,
    ).toBe('ParcelActionOk');
    const theirs = await server.gql(MY_PARCELS, {}, friend.token);
    expect(theirs.data.myParcels[0]).toMatchObject({ id: parcelId, status: 'READY_FOR_PICKUP' });
    expect(theirs.data.myParcels[0].pickupCode).toMatch(/^\d{8}$/);
    // The proxy may open it, but not extend or re-share it.
    const extend = await server.gql(
      `mutation ($p: ID!) { extendParcelHold(parcelId: $p) { __typename ... on ParcelActionRefused { reason } } }`,
      { p: parcelId },
      friend.token,
    );
    expect(extend.data.extendParcelHold.reason).toBe('NOT_ALLOWED');
  });
});

describe('offline QR pickup', () => {
  it('opens with a QR the controller verifies while its uplink is down, and records the pickup exactly once when it reconnects', async () => {
    const { server, bank, clerk, student, parcelId, label } = await readyParcel();
    const token: string = (await server.gql(MY_PARCELS, {}, student.token)).data.myParcels[0].pickupQrToken;

    await bank.controller.disconnect();
    const result = await bank.controller.scanPickupQr(token);
    expect(result).toEqual({ __typename: 'OfflinePickup', compartmentLabel: label });
    bank.controller.record(label, 'EMPTY');
    bank.controller.closeDoor(label);
    // The same QR again while still offline: refused locally.
    expect((await bank.controller.scanPickupQr(token)).__typename).toBe('PickupRefused');
    expect((await server.services.parcels.store.get(parcelId))?.status).toBe('READY_FOR_PICKUP');

    await bank.controller.reconnect();
    await bank.controller.flush();
    await eventually(async () => (await server.services.parcels.store.get(parcelId))?.status === 'PICKED_UP');
    expect((await server.services.parcels.store.get(parcelId))?.pickupMethod).toBe('QR_OFFLINE');
    const openings = await server.gql(
      `query ($p: ID!) { doorOpenings(parcelId: $p) { via } }`,
      { p: parcelId },
      clerk.token,
    );
    expect(openings.data.doorOpenings.filter((o: { via: string }) => o.via === 'QR_OFFLINE')).toHaveLength(1);
    // Online, the used token is refused by the server too.
    expect((await bank.controller.scanPickupQr(token)).__typename).toBe('PickupRefused');
  });

  it('judges an offline QR by when the door opened on the server’s time line, with 300 s of slack, not by when it is reported', async () => {
    const clock = new TestClock();
    const setup = () => readyParcel({ PARCEL_SWEEP_MS: '3600000' }, { clock });
    const { server, bank, clerk, student, parcelId, label } = await setup();
    const late = await readyParcelOn(server, bank, clerk);
    const tokenOf = async (recipient: typeof student, id: string) =>
      (await server.gql(MY_PARCELS, {}, recipient.token)).data.myParcels.find((p: { id: string }) => p.id === id)
        .pickupQrToken as string;
    const token = await tokenOf(student, parcelId);
    const lateToken = await tokenOf(late.student, late.parcelId);
    const exp = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).exp as number;
    const lateExp = JSON.parse(Buffer.from(lateToken.split('.')[1]!, 'base64url').toString()).exp as number;

    // The uplink was down over the expiry; the controller (a version 1 one: no clock offset) reports
    // both pickups 10 minutes after it. Each door opened at the time in its `at`.
    await bank.controller.stop();
    clock.advance(Math.max(exp, lateExp) * 1000 + 600_000 - clock.now().getTime());
    const raw = server.wsClient({ deviceToken: bank.deviceToken });
    const { acceptedThroughSeq: from } = await connected<{ acceptedThroughSeq: number }>(raw);
    const atServer = (ms: number) => new Date(ms).toISOString();
    const pickup = (seq: number, door: string, qr: string, openedAt: number) => [
      { seq, label: door, kind: 'PICKUP_QR_OFFLINE', detail: qr, at: atServer(openedAt) },
      { seq: seq + 1, label: door, kind: 'DOOR_OPENED', at: atServer(openedAt + 1_000) },
      { seq: seq + 2, label: door, kind: 'EMPTY', at: atServer(openedAt + 2_000) },
      { seq: seq + 3, label: door, kind: 'DOOR_CLOSED', at: atServer(openedAt + 3_000) },
    ];
    const res = await execute(
      raw,
      `mutation ($e: [LockerEventInput!]!) { reportLockerEvents(events: $e) { acceptedThroughSeq rejected { seq } } }`,
      {
        e: [
          // Used a minute before its expiry: valid, though it has expired by now.
          ...pickup(from + 1, label, token, exp * 1000 - 60_000),
          // Used 301 s after its expiry: past the slack.
          ...pickup(from + 5, late.label, lateToken, lateExp * 1000 + 301_000),
        ],
      },
    );
    expect(res.data.reportLockerEvents).toEqual({ acceptedThroughSeq: from + 8, rejected: [] });
    await eventually(async () => (await server.services.parcels.store.get(parcelId))?.status === 'PICKED_UP');
    expect((await server.services.parcels.store.get(parcelId))?.pickupMethod).toBe('QR_OFFLINE');
    const alert = await eventually(async () =>
      (await server.gql(`{ staffAlerts { kind parcelId message } }`, {}, clerk.token)).data.staffAlerts.find(
        (a: { kind: string }) => a.kind === 'QR_REUSED',
      ),
    );
    expect(alert).toMatchObject({ parcelId: late.parcelId, message: expect.stringMatching(/an expired token/) });
    expect((await server.services.parcels.store.get(late.parcelId))?.status).toBe('READY_FOR_PICKUP');
    const reuses = (await server.gql(`{ staffAlerts { kind parcelId } }`, {}, clerk.token)).data.staffAlerts.filter(
      (a: { kind: string }) => a.kind === 'QR_REUSED',
    );
    expect(reuses).toEqual([{ kind: 'QR_REUSED', parcelId: late.parcelId }]);
  });

  it('alerts staff when a controller reports an offline pickup with a token already revoked', async () => {
    const { server, bank, clerk, student, parcelId, label } = await readyParcel();
    const token: string = (await server.gql(MY_PARCELS, {}, student.token)).data.myParcels[0].pickupQrToken;
    // A faulty (or tampered) controller that did not learn of the revocation reports it anyway.
    await server.gql(
      `mutation ($p: ID!) { extendParcelHold(parcelId: $p) { __typename } }`,
      { p: parcelId },
      student.token,
    );
    bank.controller.record(label, 'PICKUP_QR_OFFLINE', token);
    await bank.controller.flush();
    const alerts = await eventually(async () => {
      const r = await server.gql(`{ staffAlerts { kind parcelId } }`, {}, clerk.token);
      return r.data.staffAlerts.find((a: { kind: string }) => a.kind === 'QR_REUSED');
    });
    expect(alerts.parcelId).toBe(parcelId);
    expect((await server.services.parcels.store.get(parcelId))?.status).toBe('READY_FOR_PICKUP');
  });

  it('answers online QR scans: valid once, and the same uniform refusal for a forged token', async () => {
    const { server, bank, student, parcelId, label } = await readyParcel();
    const token: string = (await server.gql(MY_PARCELS, {}, student.token)).data.myParcels[0].pickupQrToken;
    const forged = `${token.slice(0, -4)}AAAA`;
    const refused = await bank.controller.scanPickupQr(forged);
    expect(refused).toMatchObject({ __typename: 'PickupRefused' });
    const opened = await bank.controller.scanPickupQr(token);
    expect(opened).toMatchObject({ __typename: 'PickupOpened', compartmentLabel: label });
    const again = await bank.controller.scanPickupQr(token);
    expect(again).toEqual(refused);
    await eventually(async () => (await server.services.parcels.store.get(parcelId))?.operationVia === 'QR');
  });
});
