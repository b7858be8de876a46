/**
 * The role × operation matrix (server/src/access/matrix.ts) against the real
 * server. Every root operation of schema.graphql is called as every
 * principal — each role, a kiosk, a controller over graphql-ws, nobody — with
 * minimal valid arguments, and must be allowed or refused exactly as its row
 * says. Allowed: no UNAUTHENTICATED or FORBIDDEN (a typed refusal, NOT_FOUND
 * or BAD_USER_INPUT are answers of an allowed call). Refused: one of those two.
 * A schema operation without a row, or a row without an operation, fails.
 */
import { readFileSync } from 'node:fs';
import { buildSchema, getNamedType, isCompositeType, type GraphQLObjectType } from 'graphql';
import type { Client } from 'graphql-ws';
import { describe, expect, it } from 'vitest';
import { MATRIX, PRINCIPALS, type Operation, type PrincipalKind, type Row } from '../src/access/matrix.js';
import { buildSchema as buildExecutableSchema, schemaPath } from '../src/graphql/schema.js';
import { depositParcel, onlineBank, person } from './helpers/parcels.js';
import {
  collect,
  connected,
  execute,
  sleep,
  startTestServer,
  type GqlResponse,
  type TestServer,
} from './helpers/server.js';

const contract = buildSchema(readFileSync(schemaPath, 'utf8'));
const ROOTS = ['Query', 'Mutation', 'Subscription'] as const;
const rootField = (op: Operation) => {
  const [root, name] = op.split('.') as [(typeof ROOTS)[number], string];
  return { root, name, field: (contract.getType(root) as GraphQLObjectType).getFields()[name] };
};
const SCHEMA_OPERATIONS = ROOTS.flatMap((root) =>
  Object.keys((contract.getType(root) as GraphQLObjectType).getFields()).map((f) => `${root}.${f}` as Operation),
);

const executable = buildExecutableSchema();
function implemented(op: Operation): boolean {
  const [root, name] = op.split('.') as [string, string];
  const field = (executable.getType(root) as GraphQLObjectType).getFields()[name];
  return root === 'Subscription' ? !!field?.subscribe : !!field?.resolve;
}

/** The objects the fixtures point at. */
interface World {
  siteId: string;
  /** A bank with a connected simulated controller; the kiosk's bank. */
  bankId: string;
  /** The bank the CONTROLLER principal is connected as. */
  controllerBankId: string;
  /** A bank whose device token may be rotated. */
  spareBankId: string;
  /** Kiosk credentials that may be revoked and rotated (not the KIOSK principal's). */
  spareKioskIds: [string, string];
  /** A parcel ready for a student who is none of the principals. */
  parcelId: string;
  recipientId: string;
  alertId: string;
  courierId: string;
  /** A person whose role and disabled flag an admin may set. */
  targetId: string;
}

type Vars = Record<string, unknown>;
let seq = 0;

/** Minimal valid arguments, per operation. A new operation without one fails to compile. */
const FIXTURES: Record<Operation, (w: World) => Vars> = {
  'Query.me': () => ({}),
  'Query.sites': () => ({}),
  'Query.lockerBanks': () => ({}),
  'Query.lockerBank': (w) => ({ id: w.bankId }),
  'Query.lockerEvents': (w) => ({ bankId: w.bankId }),
  'Query.lockerEventLog': (w) => ({ bankId: w.bankId }),
  'Query.devOutbox': () => ({}),
  'Query.myParcels': () => ({}),
  'Query.parcels': () => ({}),
  'Query.parcel': (w) => ({ id: w.parcelId }),
  'Query.people': () => ({ search: 'recipient@uni.test' }),
  'Query.staffAlerts': () => ({}),
  'Query.doorOpenings': (w) => ({ parcelId: w.parcelId }),
  'Query.myNotificationSettings': () => ({}),
  'Query.pushPublicKey': () => ({}),
  'Query.kioskSession': () => ({}),
  'Query.pickupKeys': () => ({}),
  'Query.kioskCredentials': () => ({}),
  'Query.credentialAttempts': () => ({}),
  'Query.assets': () => ({}),
  'Query.asset': () => ({ tag: 'MATRIX-NONE' }),
  'Query.assetsCsv': () => ({}),
  'Query.loanPolicies': () => ({}),
  'Query.effectiveLoanPolicy': () => ({ category: 'laptop', role: 'STUDENT' }),
  'Query.myLoans': () => ({}),
  'Query.loans': () => ({}),
  'Query.handouts': () => ({}),
  'Query.loanerPool': (w) => ({ bankId: w.bankId }),
  'Query.myWaitlist': () => ({}),
  'Query.myBookings': () => ({}),
  'Query.bookings': () => ({}),
  'Query.campaigns': () => ({}),
  'Query.campaign': () => ({ id: 'cmp_none' }),
  'Query.siteCalendar': (w) => ({ siteId: w.siteId }),
  'Query.departmentContacts': () => ({}),
  'Query.assetFaults': () => ({ category: 'laptop' }),

  'Mutation.requestSignInCode': () => ({ email: 'recipient@uni.test' }),
  'Mutation.signIn': () => ({ email: 'recipient@uni.test', code: '000000' }),
  'Mutation.signOut': () => ({}),
  'Mutation.createSite': () => ({ input: { name: 'Matrix campus' } }),
  'Mutation.createLockerBank': (w) => ({
    input: { siteId: w.siteId, name: `Matrix bank ${++seq}`, compartments: [{ label: 'A01', size: 'M' }] },
  }),
  'Mutation.rotateDeviceToken': (w) => ({ bankId: w.spareBankId }),
  'Mutation.openCompartment': (w) => ({ input: { bankId: w.controllerBankId, label: 'A01', reason: 'matrix test' } }),
  'Mutation.intakeParcel': (w) => ({
    input: { tracking: `MATRIX${++seq}`, recipientId: w.recipientId, bankId: w.bankId, size: 'S' },
  }),
  'Mutation.redeemPickupCode': () => ({ code: '00000000' }),
  'Mutation.redeemPickupQr': () => ({ token: 'not-a-pickup-token' }),
  'Mutation.openMyParcel': (w) => ({ parcelId: w.parcelId }),
  'Mutation.extendParcelHold': (w) => ({ parcelId: w.parcelId }),
  'Mutation.shareParcelPickup': (w) => ({ parcelId: w.parcelId, email: 'friend@uni.test' }),
  'Mutation.reportDoorDidNotOpen': (w) => ({ parcelId: w.parcelId }),
  'Mutation.openForRecall': (w) => ({ parcelId: w.parcelId }),
  'Mutation.handOverAtDesk': (w) => ({ parcelId: w.parcelId }),
  'Mutation.setCompartmentOutOfService': (w) => ({
    bankId: w.controllerBankId,
    label: 'A02',
    outOfService: false,
    reason: 'matrix test',
  }),
  'Mutation.resolveStaffAlert': (w) => ({ id: w.alertId }),
  'Mutation.importPeople': () => ({ csv: 'email,name\nimported@uni.test,Imported Person' }),
  'Mutation.updateMyPreferences': () => ({ input: { needsAccessible: false } }),
  'Mutation.registerPushSubscription': () => ({
    input: { endpoint: 'https://push.example.test/sub/1', p256dh: 'B'.repeat(87), auth: 'a'.repeat(22) },
  }),
  'Mutation.removePushDevice': () => ({ id: 'pdev_nope' }),
  'Mutation.createKioskCredential': (w) => ({ bankId: w.bankId, name: 'Matrix screen' }),
  'Mutation.revokeKioskCredential': (w) => ({ id: w.spareKioskIds[0] }),
  'Mutation.rotateKioskCredential': (w) => ({ id: w.spareKioskIds[1] }),
  'Mutation.setPersonRole': (w) => ({ personId: w.targetId, role: 'STUDENT' }),
  'Mutation.setPersonDisabled': (w) => ({ personId: w.targetId, disabled: false }),
  'Mutation.createAsset': () => ({ input: { tag: `MATRIX-${++seq}`, model: 'ThinkPad T14', category: 'laptop' } }),
  'Mutation.updateAsset': () => ({ id: 'ast_missing', version: 1, input: { notes: 'matrix' } }),
  'Mutation.setAssetStatus': () => ({ id: 'ast_missing', version: 1, status: 'IN_REPAIR', reason: 'matrix' }),
  'Mutation.saveLoanPolicy': () => ({ input: { category: `matrix-${++seq}`, eligible: true } }),
  'Mutation.createHandout': (w) => ({ input: { assetTag: 'MATRIX-NONE', personId: w.recipientId } }),
  'Mutation.loadHandout': () => ({ assetTag: 'MATRIX-NONE' }),
  'Mutation.cancelHandout': () => ({ handoutId: 'aho_none' }),
  'Mutation.openMyHandout': () => ({ handoutId: 'aho_none' }),
  'Mutation.startReturn': () => ({ loanId: 'loan_none' }),
  'Mutation.collectReturn': () => ({ handoutId: 'aho_none' }),
  'Mutation.checkInAsset': () => ({ assetTag: 'MATRIX-NONE' }),
  'Mutation.bulkCheckIn': () => ({ assetTags: ['MATRIX-NONE'] }),
  'Mutation.renewLoan': () => ({ loanId: 'loan_none' }),
  'Mutation.borrowLoaner': (w) => ({ bankId: w.bankId, model: 'None' }),
  'Mutation.swapDevice': (w) => ({ loanId: 'loan_none', bankId: w.bankId, faultId: 'none' }),
  'Mutation.acceptLoanAgreement': () => ({ category: 'laptop', signature: 'Nobody' }),
  'Mutation.joinWaitlist': () => ({ category: 'laptop', siteId: 'site_none' }),
  'Mutation.leaveWaitlist': () => ({ entryId: 'wl_none' }),
  'Mutation.bookLoaners': (w) => ({
    bankId: w.bankId,
    model: 'None',
    count: 1,
    startsAt: new Date(Date.now() + 86_400_000).toISOString(),
  }),
  'Mutation.cancelBooking': () => ({ bookingId: 'bk_none' }),
  'Mutation.loadForBooking': () => ({ bookingId: 'bk_none', assetTag: 'MATRIX-NONE' }),
  'Mutation.planCampaign': (w) => ({
    input: { name: 'Matrix', csv: 'email,tag\n', bankIds: [w.bankId], startsAt: new Date().toISOString() },
  }),
  'Mutation.prepareCampaign': () => ({ campaignId: 'cmp_none' }),
  'Mutation.deleteLoanPolicy': () => ({ id: 'lp_missing' }),
  'Mutation.importAssets': () => ({ csv: 'tag,model,category\n', dryRun: true }),
  // An empty list keeps the site open always, as it is; the day is far off and removed again below.
  'Mutation.setSiteHours': (w) => ({ siteId: w.siteId, hours: [] }),
  'Mutation.addBlackoutDay': (w) => ({ siteId: w.siteId, day: '2099-12-24', reason: 'matrix' }),
  'Mutation.removeBlackoutDay': (w) => ({ siteId: w.siteId, day: '2099-12-24' }),
  'Mutation.setDepartmentContact': () => ({ department: 'Matrix', email: 'matrix-contact@uni.test' }),
  'Mutation.addAssetFault': () => ({ category: 'laptop', label: `Matrix fault ${++seq}` }),
  'Mutation.removeAssetFault': () => ({ id: 'flt_missing' }),
  'Mutation.setCourierBanks': (w) => ({ personId: w.courierId, bankIds: [w.bankId] }),
  'Mutation.reportLockerEvents': () => ({
    events: [{ seq: 1, label: 'A03', kind: 'DOOR_CLOSED', at: new Date().toISOString() }],
  }),
  'Mutation.acknowledgeCommand': () => ({ id: 'cmd_nope', outcome: 'OPENED' }),
  // Not acceptedThroughSeq + 1, so refused as bad input and nothing is marked.
  'Mutation.markLockerEventsLost': () => ({ fromSeq: 1_000_000, throughSeq: 1_000_000, reason: 'matrix' }),
  'Mutation.reportControllerHealth': () => ({ input: { at: new Date().toISOString() } }),

  'Subscription.compartmentUpdated': () => ({}),
  'Subscription.lockerBankUpdated': () => ({}),
  'Subscription.lockerCommands': () => ({}),
  'Subscription.myParcelUpdated': () => ({}),
  'Subscription.myLoanUpdated': () => ({}),
  'Subscription.handoutUpdated': () => ({}),
  'Subscription.parcelUpdated': () => ({}),
  'Subscription.staffAlertUpdated': () => ({}),
};

/** The operation as a document: its arguments from the fixture, `__typename` for a composite result. */
function documentFor(op: Operation, vars: Vars): string {
  const { root, name, field } = rootField(op);
  const args = (field?.args ?? []).filter((a) => a.name in vars);
  const defs = args.map((a) => `$${a.name}: ${String(a.type)}`).join(', ');
  const call = args.length ? `(${args.map((a) => `${a.name}: $${a.name}`).join(', ')})` : '';
  const selection = field && isCompositeType(getNamedType(field.type)) ? ' { __typename }' : '';
  return `${root.toLowerCase()}${defs ? ` (${defs})` : ''} { ${name}${call}${selection} }`;
}

const ANSWERS_OF_AN_ALLOWED_CALL = ['NOT_FOUND', 'BAD_USER_INPUT', 'CONFLICT', 'RATE_LIMITED'];

/** allowed, denied, or what else happened (a broken fixture, a bug), so the diff says. */
function outcomeOf(res: GqlResponse): string {
  const codes = (res.errors ?? []).map((e) => e.extensions?.code ?? 'NO_CODE');
  if (codes.some((c) => c === 'UNAUTHENTICATED' || c === 'FORBIDDEN')) return 'denied';
  const other = codes.filter((c) => !ANSWERS_OF_AN_ALLOWED_CALL.includes(c));
  return other.length ? `error ${other.join(',')}: ${res.errors?.[0]?.message}` : 'allowed';
}

const expectedOutcome = (op: Operation, kind: PrincipalKind) => ((MATRIX[op] as Row)[kind] ? 'allowed' : 'denied');

/**
 * When a socket has connected or was refused. The wait for a subscription's answer starts
 * from there, so a slow handshake on a busy machine is never read as "allowed".
 */
const settledOf = new WeakMap<Client, Promise<unknown>>();
function tracked(client: Client, alreadyConnected = false): Client {
  settledOf.set(
    client,
    alreadyConnected
      ? Promise.resolve()
      : new Promise((resolve) => {
          client.on('connected', resolve);
          client.on('closed', resolve);
        }),
  );
  return client;
}

/** Subscribes and waits a moment after the socket settled: refused at once, or still open (allowed). */
function subscribeOutcome(client: Client, query: string, waitMs = 1_500): Promise<string> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (outcome: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const unsubscribe = client.subscribe(
      { query },
      {
        // A refusal is one result and the server completes the operation itself. (Unsubscribing
        // then as well releases the socket twice in graphql-ws's client and closes it under the others.)
        next: (r) => finish(outcomeOf(r as GqlResponse)),
        error: (e) =>
          finish(
            Array.isArray(e)
              ? outcomeOf({ errors: e as GqlResponse['errors'] })
              : (e as { code?: number }).code === 4403
                ? 'denied' // the socket itself was refused: no credential
                : `closed ${JSON.stringify(e)}`,
          ),
        complete: () => finish('completed without a result'),
      },
    );
    let timer: NodeJS.Timeout | undefined;
    void (settledOf.get(client) ?? Promise.resolve()).then(() => {
      if (done) return;
      timer = setTimeout(() => {
        finish('allowed');
        unsubscribe();
      }, waitMs);
    });
  });
}

interface Caller {
  kind: PrincipalKind;
  run(query: string, variables: Vars): Promise<GqlResponse>;
  socket(): Client;
}

async function callers(server: TestServer, w: World & { kioskBankId: string; controllerToken: string }) {
  const byToken = (kind: PrincipalKind, token: string | null): Caller => {
    let client: Client | null = null;
    return {
      kind,
      run: (q, v) => server.gql(q, v, token),
      socket: () => (client ??= tracked(server.wsClient(token ? { authorization: `Bearer ${token}` } : {}))),
    };
  };
  const kioskToken = async () =>
    (
      await server.gql(`mutation ($b: ID!) { createKioskCredential(bankId: $b, name: "Matrix kiosk") { token } }`, {
        b: w.kioskBankId,
      })
    ).data.createKioskCredential.token as string;
  const controller = server.wsClient({ deviceToken: w.controllerToken });
  await connected(controller);
  tracked(controller, true);
  const controllerCaller: Caller = {
    kind: 'CONTROLLER',
    run: (q, v) => execute(controller, q, v),
    socket: () => controller,
  };
  /** A new caller of this kind (for operations that spend it: signOut). */
  const make = async (kind: PrincipalKind): Promise<Caller> => {
    if (kind === 'ANONYMOUS') return byToken(kind, null);
    if (kind === 'CONTROLLER') return controllerCaller;
    if (kind === 'KIOSK') return byToken(kind, await kioskToken());
    const token = await server.tokenFor(kind, kind === 'DEPARTMENT' ? { department: 'Matrix' } : {});
    // A courier's world: the bank it drops off at (its scope `own`).
    if (kind === 'COURIER')
      await server.services.parcels.store.setCourierBanks(
        (await server.services.people.authenticate(token))!.personId,
        [w.bankId],
      );
    return byToken(kind, token);
  };
  const all = await Promise.all(PRINCIPALS.map(make));
  return { all, make };
}

describe('the role × operation matrix', () => {
  it('has a row for every operation of the schema, and none for an operation the schema does not have', () => {
    expect(Object.keys(MATRIX).sort()).toEqual([...SCHEMA_OPERATIONS].sort());
    expect(Object.keys(FIXTURES).sort()).toEqual([...SCHEMA_OPERATIONS].sort());
  });

  it('lets every principal call every operation exactly as its row says', async () => {
    const server = await startTestServer();
    const bank = await onlineBank(server, { count: 16 });
    const controllerBank = await server.createBank({ count: 4 });
    const spareBank = await server.createBank({ count: 1 });
    const clerk = await person(server, 'MAILROOM');
    const recipient = await server.services.people.createPerson({
      email: 'recipient@uni.test',
      name: 'Rae Recipient',
      role: 'STUDENT',
    });
    const { parcelId } = await depositParcel(server, bank, clerk, {
      id: recipient.id,
      email: recipient.email,
      token: '',
    });
    const courier = await person(server, 'COURIER');
    const target = await person(server, 'STUDENT');
    const spareKiosk = async () =>
      (
        await server.gql(`mutation ($b: ID!) { createKioskCredential(bankId: $b, name: "Spare") { id } }`, {
          b: bank.bankId,
        })
      ).data.createKioskCredential.id as string;
    const alert = await server.services.audit.raise({
      kind: 'TAMPER',
      bankId: bank.bankId,
      compartmentLabel: 'A05',
      message: 'matrix test',
    });
    const world = {
      siteId: bank.siteId,
      bankId: bank.bankId,
      kioskBankId: bank.bankId,
      controllerBankId: controllerBank.bankId,
      controllerToken: controllerBank.deviceToken,
      spareBankId: spareBank.bankId,
      spareKioskIds: [await spareKiosk(), await spareKiosk()] as [string, string],
      parcelId,
      recipientId: recipient.id,
      alertId: alert.id,
      courierId: courier.id,
      targetId: target.id,
    };
    const { all, make } = await callers(server, world);

    // Every operation of the contract has its resolver, and every one is checked.
    expect(
      SCHEMA_OPERATIONS.filter((op) => !implemented(op)),
      'operations without a resolver',
    ).toEqual([]);
    const checked = SCHEMA_OPERATIONS;

    const expected: Record<string, Record<string, string>> = {};
    const actual: Record<string, Record<string, string>> = {};
    for (const op of checked) {
      expected[op] = Object.fromEntries(PRINCIPALS.map((k) => [k, expectedOutcome(op, k)]));
      actual[op] = {};
    }

    // Subscriptions: all at once, each on its principal's socket.
    await Promise.all(
      checked
        .filter((op) => op.startsWith('Subscription.'))
        .flatMap((op) =>
          all.map(async (caller) => {
            actual[op]![caller.kind] = await subscribeOutcome(caller.socket(), documentFor(op, FIXTURES[op](world)));
          }),
        ),
    );
    // Queries and mutations, one at a time (some change the world a little; none for the next call).
    for (const op of checked.filter((o) => !o.startsWith('Subscription.'))) {
      for (const caller of all) {
        const who = op === 'Mutation.signOut' ? await make(caller.kind) : caller;
        const vars = FIXTURES[op](world);
        actual[op]![caller.kind] = outcomeOf(await who.run(documentFor(op, vars), vars));
      }
    }
    expect(actual).toEqual(expected);
  }, 120_000);

  it('delivers each subscriber only the events its scope covers', async () => {
    const server = await startTestServer();
    const alpha = await onlineBank(server, { name: 'Alpha bank', department: 'Alpha' });
    const bravo = await onlineBank(server, { name: 'Bravo bank', department: 'Bravo' });
    const clerk = await person(server, 'MAILROOM');
    const student = await person(server, 'STUDENT');
    const other = await person(server, 'STUDENT');
    const analyst = await server.tokenFor('DEPARTMENT', { department: 'Alpha' });
    const kioskBravo = (
      await server.gql(`mutation ($b: ID!) { createKioskCredential(bankId: $b, name: "Bravo screen") { token } }`, {
        b: bravo.bankId,
      })
    ).data.createKioskCredential.token as string;

    const socket = async (token: string) => {
      const client = server.wsClient({ authorization: `Bearer ${token}` });
      await connected(client);
      return client;
    };
    const analystSocket = await socket(analyst);
    const analystDoors = collect(analystSocket, `subscription { compartmentUpdated { bankId label door } }`);
    const analystBanks = collect(analystSocket, `subscription { lockerBankUpdated { id status } }`);
    const kioskDoors = collect(await socket(kioskBravo), `subscription { compartmentUpdated { bankId label door } }`);
    const studentParcels = collect(await socket(student.token), `subscription { myParcelUpdated { id bank { id } } }`);
    const clerkSocket = await socket(clerk.token);
    const clerkParcels = collect(clerkSocket, `subscription { parcelUpdated { id } }`);
    const clerkAlerts = collect(clerkSocket, `subscription { staffAlertUpdated { bankId } }`);
    // Asking for another department's bank by id is answered as if it did not exist.
    const askedForBravo = collect(analystSocket, `subscription ($b: ID) { compartmentUpdated(bankId: $b) { id } }`, {
      b: bravo.bankId,
    });
    await sleep(100);

    bravo.controller.openDoor('A01');
    alpha.controller.openDoor('A02');
    await Promise.all([alpha.controller.flush(), bravo.controller.flush()]);
    const mine = await depositParcel(server, alpha, clerk, student, { bankId: alpha.bankId });
    const theirs = await depositParcel(server, bravo, clerk, other, { bankId: bravo.bankId });
    await server.services.audit.raise({ kind: 'TAMPER', bankId: bravo.bankId, compartmentLabel: 'A04', message: 'x' });
    await bravo.controller.disconnect();
    await alpha.controller.disconnect();

    await analystDoors.until((items) => items.some((i) => i.data?.compartmentUpdated.label === 'A02'));
    await analystBanks.until((items) => items.some((i) => i.data?.lockerBankUpdated.status === 'OFFLINE'));
    await kioskDoors.until((items) => items.some((i) => i.data?.compartmentUpdated.label === 'A01'));
    await clerkParcels.until((items) => items.some((i) => i.data?.parcelUpdated.id === theirs.parcelId));
    await clerkAlerts.until((items) => items.length > 0);
    await sleep(1_000); // past the offline grace of both banks, and any late event

    const banksOf = (items: GqlResponse[], pick: (d: any) => string) => [...new Set(items.map((i) => pick(i.data)))];
    expect(banksOf(analystDoors.items, (d) => d.compartmentUpdated.bankId)).toEqual([alpha.bankId]);
    expect(banksOf(analystBanks.items, (d) => d.lockerBankUpdated.id)).toEqual([alpha.bankId]);
    expect(banksOf(kioskDoors.items, (d) => d.compartmentUpdated.bankId)).toEqual([bravo.bankId]);
    expect(banksOf(studentParcels.items, (d) => d.myParcelUpdated.id)).toEqual([mine.parcelId]);
    expect(askedForBravo.items[0]?.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    // Operators see every parcel and alert.
    expect(banksOf(clerkParcels.items, (d) => d.parcelUpdated.id).sort()).toEqual(
      [mine.parcelId, theirs.parcelId].sort(),
    );
  }, 60_000);
});
