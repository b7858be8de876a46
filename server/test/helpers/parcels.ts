/**
 * A seed testkit for parcel tests: a bank with a connected simulated
 * controller, a student, a mailroom clerk, and builders for the usual steps.
 */
import { SimulatedController } from '@baylight/simulator';
import { track } from './disposables.js';
import { startTestServer, type TestServer } from './server.js';

export const INTAKE = `mutation ($input: IntakeParcelInput!) {
  intakeParcel(input: $input) {
    __typename
    ... on ParcelReserved { parcel { id status } compartment { label size accessible } command { id } }
    ... on ParcelSentToDesk { parcel { id status deskReason } reason message }
    ... on ParcelTooBig { parcel { id status deskReason } message }
    ... on DuplicateTracking { existing { id } message }
  }
}`;

export const MY_PARCELS = `{ myParcels { id status pickupCode pickupQrToken expiresAt extended pickupMethod compartment { label } bank { id } } }`;

let n = 0;

export interface Person {
  id: string;
  email: string;
  token: string;
}

export async function person(
  server: TestServer,
  role: Parameters<TestServer['tokenFor']>[0],
  extra: { needsAccessible?: boolean; preferredBankId?: string } = {},
): Promise<Person> {
  const email = `${role.toLowerCase()}-p${++n}@test.baylight.dev`;
  const token = await server.tokenFor(role, { email });
  const row = (await server.services.people.findByEmail(email))!;
  if (extra.needsAccessible || extra.preferredBankId) {
    await server.services.people.updatePreferences(
      { personId: row.id, role: row.role, department: null, tokenId: 'seed' },
      { needsAccessible: extra.needsAccessible ?? false, preferredBankId: extra.preferredBankId ?? null },
      () => true,
    );
  }
  return { id: row.id, email, token };
}

/** A person with exactly these fields (department, student id …) and an API token. */
export async function member(
  server: TestServer,
  fields: {
    email: string;
    name: string;
    role: Parameters<TestServer['tokenFor']>[0];
    department?: string | null;
    studentId?: string | null;
  },
) {
  const row = await server.services.people.createPerson(fields);
  return { ...row, token: await server.services.people.createApiToken(row.id, 'test') };
}

/** A bank with `count` compartments and a connected simulated controller. */
export async function onlineBank(
  server: TestServer,
  opts: {
    name?: string;
    count?: number;
    closeAfterMs?: number;
    commandDelayMs?: number;
    /** The owning department: DEPARTMENT viewers of it see this bank. */
    department?: string | null;
    compartments?: Parameters<TestServer['createBank']>[0] extends infer O
      ? O extends { compartments?: infer C }
        ? C
        : never
      : never;
  } = {},
) {
  const bank = await server.createBank({
    name: opts.name ?? `Bank ${++n}`,
    count: opts.count ?? 8,
    department: opts.department ?? null,
    ...(opts.compartments ? { compartments: opts.compartments } : {}),
  });
  const controller = new SimulatedController({
    url: server.wsUrl,
    deviceToken: bank.deviceToken,
    closeAfterMs: opts.closeAfterMs ?? Infinity,
    retry: { minMs: 50, maxMs: 200 },
    commandDelayMs: opts.commandDelayMs ?? 0,
  });
  track(controller, () => controller.stop());
  await controller.start();
  return { ...bank, controller };
}

/** Mailroom takes a parcel in for `recipient`; returns the intake result. */
export async function intake(
  server: TestServer,
  clerk: Person,
  recipient: Person,
  extra: Record<string, unknown> = {},
) {
  const res = await server.gql(
    INTAKE,
    { input: { tracking: `TRK${++n}${Date.now()}`, recipientId: recipient.id, ...extra } },
    clerk.token,
  );
  if (!res.data) throw new Error(JSON.stringify(res.errors));
  return res.data.intakeParcel;
}

/** Waits until `fn` returns a truthy value (polling the real server). */
export async function eventually<T>(
  fn: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs = 5_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`condition not met in ${timeoutMs} ms${last instanceof Error ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * The whole deposit: intake, the controller opens the door on command, the
 * clerk puts the parcel in (OCCUPIED) and closes the door. Resolves with the
 * parcel id and compartment label once the parcel is READY_FOR_PICKUP.
 */
export async function depositParcel(
  server: TestServer,
  bank: Awaited<ReturnType<typeof onlineBank>>,
  clerk: Person,
  recipient: Person,
  extra: Record<string, unknown> = {},
) {
  // The deposit's opening, not another command for the bank (a revocation after an earlier pickup).
  const command = bank.controller.nextCommand(10_000, (h) => h.command.kind === 'OPEN_COMPARTMENT');
  const result = await intake(server, clerk, recipient, extra);
  if (result.__typename !== 'ParcelReserved') throw new Error(`not reserved: ${JSON.stringify(result)}`);
  const label: string = result.compartment.label;
  const handled = await command;
  if (handled.command.compartmentLabel !== label || handled.outcome !== 'OPENED') {
    throw new Error(`controller got ${JSON.stringify(handled)}`);
  }
  bank.controller.record(label, 'OCCUPIED');
  bank.controller.closeDoor(label);
  await bank.controller.flush();
  const parcelId: string = result.parcel.id;
  await eventually(async () => (await server.services.parcels.store.get(parcelId))?.status === 'READY_FOR_PICKUP');
  return { parcelId, label };
}

/** The pickup code as the recipient's app gets it (`myParcels { pickupCode }`). */
export async function pickupCodeOf(server: TestServer, recipient: Person, parcelId: string): Promise<string> {
  const res = await server.gql(MY_PARCELS, {}, recipient.token);
  const code = res.data?.myParcels.find((p: { id: string }) => p.id === parcelId)?.pickupCode;
  if (typeof code !== 'string') throw new Error(`no pickup code for ${parcelId}: ${JSON.stringify(res)}`);
  return code;
}

/**
 * The usual start of a pickup test: a server, a bank with a connected
 * controller, a clerk and a student, and one parcel ready for the student.
 */
export async function readyParcel(
  env: Record<string, string> = {},
  opts: Parameters<typeof startTestServer>[1] & { bank?: Parameters<typeof onlineBank>[1] } = {},
) {
  const server = await startTestServer(env, opts);
  const bank = await onlineBank(server, opts.bank);
  const clerk = await person(server, 'MAILROOM');
  const student = await person(server, 'STUDENT');
  const { parcelId, label } = await depositParcel(server, bank, clerk, student);
  return { server, bank, clerk, student, parcelId, label };
}
