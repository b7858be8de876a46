/**
 * A testkit for IT handouts: a bank of charging and plain compartments with a
 * connected simulated controller, an IT technician, loan rules, assets, and
 * the usual steps (create and load a handout, pick it up, drop it off).
 */
import { eventually, onlineBank, person, type Person } from './parcels.js';
import type { TestServer } from './server.js';

export const HANDOUT_RESULT = `
  __typename
  ... on HandoutDone {
    loan { id status dueAt kind source signature overrideReason renewalsUsed }
    handout { id status direction code compartment { label state } bank { id } }
    command { id }
    secondHandout { id status compartment { label } }
  }
  ... on HandoutRefused { reason field message }
`;

export const CREATE_HANDOUT = `mutation ($input: CreateHandoutInput!) { createHandout(input: $input) { ${HANDOUT_RESULT} } }`;
export const LOAD = `mutation ($tag: String!, $bankId: ID) { loadHandout(assetTag: $tag, bankId: $bankId) { ${HANDOUT_RESULT} } }`;
export const MY_LOANS = `{ myLoans { id status kind dueAt overdue renewalsUsed signature asset { tag status } current { id status direction code compartment { label } } } }`;
export const START_RETURN = `mutation ($loanId: ID!, $bankId: ID, $faultId: ID) { startReturn(loanId: $loanId, bankId: $bankId, faultId: $faultId) { ${HANDOUT_RESULT} } }`;
export const COLLECT = `mutation ($id: ID!) { collectReturn(handoutId: $id) { ${HANDOUT_RESULT} } }`;
export const CHECK_IN = `mutation ($tag: String!, $outcome: CheckInOutcome) { checkInAsset(assetTag: $tag, outcome: $outcome) { tag ok message asset { status } loan { status } } }`;

/** A bank with charging compartments C01–C0n and plain ones P01–P0m, connected. */
export async function itBank(server: TestServer, opts: { charging?: number; plain?: number; name?: string } = {}) {
  const compartments = [
    ...Array.from({ length: opts.charging ?? 3 }, (_, i) => ({
      label: `C0${i + 1}`,
      size: 'M',
      hasCharging: true,
    })),
    ...Array.from({ length: opts.plain ?? 2 }, (_, i) => ({ label: `P0${i + 1}`, size: 'M' })),
  ];
  return onlineBank(server, { compartments, ...(opts.name ? { name: opts.name } : {}) });
}

export type ItBank = Awaited<ReturnType<typeof itBank>>;

let tags = 0;

/** An asset in stock, through the API. */
export async function asset(
  server: TestServer,
  it: Person,
  fields: { category?: string; model?: string; tag?: string } = {},
): Promise<{ id: string; tag: string }> {
  const tag = fields.tag ?? `HT-${++tags}-${Date.now() % 100_000}`;
  const res = await server.gql(
    `mutation ($input: CreateAssetInput!) { createAsset(input: $input) { __typename ... on AssetSaved { asset { id tag } } ... on AssetRefused { message } } }`,
    { input: { tag, model: fields.model ?? 'ThinkPad T14', category: fields.category ?? 'laptop' } },
    it.token,
  );
  const saved = res.data?.createAsset;
  if (saved?.__typename !== 'AssetSaved') throw new Error(JSON.stringify(res));
  return saved.asset;
}

/** A loan rule, through the API. */
export async function rule(server: TestServer, it: Person, input: Record<string, unknown>) {
  const res = await server.gql(
    `mutation ($input: LoanPolicyInput!) { saveLoanPolicy(input: $input) { __typename ... on LoanPolicyRefused { message } } }`,
    { input },
    it.token,
  );
  if (res.data?.saveLoanPolicy.__typename !== 'LoanPolicySaved') throw new Error(JSON.stringify(res));
}

export async function handoutWorld(server: TestServer, opts: Parameters<typeof itBank>[1] = {}) {
  const bank = await itBank(server, opts);
  const it = await person(server, 'IT');
  const student = await person(server, 'STUDENT', { preferredBankId: bank.bankId });
  await rule(server, it, { category: 'laptop', eligible: true, maxLoanHours: 48, maxItems: 1, renewals: 1 });
  return { bank, it, student };
}

/** IT scans the tag at the bank; the controller opens the door; IT puts it in and closes it. */
export async function load(server: TestServer, bank: ItBank, it: Person, tag: string, bankId?: string) {
  const command = bank.controller.nextCommand(10_000, (h) => h.command.kind === 'OPEN_COMPARTMENT');
  const res = await server.gql(LOAD, { tag, ...(bankId ? { bankId } : {}) }, it.token);
  const result = res.data?.loadHandout;
  if (result?.__typename !== 'HandoutDone') throw new Error(`not loaded: ${JSON.stringify(res)}`);
  const handled = await command;
  const label = handled.command.compartmentLabel;
  bank.controller.record(label, 'OCCUPIED');
  bank.controller.closeDoor(label);
  await bank.controller.flush();
  const id: string = result.handout.id;
  await eventually(async () => (await server.services.handouts.store.handout(id))?.status === 'READY');
  return { handoutId: id, label };
}

/** Creates a loan for `who` and loads it; resolves once READY. */
export async function readyLoan(
  server: TestServer,
  bank: ItBank,
  it: Person,
  who: Person,
  item: { id: string; tag: string },
) {
  const res = await server.gql(CREATE_HANDOUT, { input: { assetTag: item.tag, personId: who.id } }, it.token);
  const created = res.data?.createHandout;
  if (created?.__typename !== 'HandoutDone') throw new Error(`not created: ${JSON.stringify(res)}`);
  const loaded = await load(server, bank, it, item.tag);
  return { loanId: created.loan.id as string, ...loaded };
}

/** The person's handout code, as their app shows it. */
export async function codeOf(server: TestServer, who: Person, loanId: string): Promise<string> {
  const res = await server.gql(MY_LOANS, {}, who.token);
  const code = res.data?.myLoans.find((l: { id: string }) => l.id === loanId)?.current?.code;
  if (typeof code !== 'string') throw new Error(`no code for ${loanId}: ${JSON.stringify(res)}`);
  return code;
}

/** At the keypad: the code opens the door; the person takes the item out (or puts it in) and closes it. */
export async function atKeypad(bank: ItBank, code: string, action: 'take' | 'put') {
  const command = bank.controller.nextCommand(10_000, (h) => h.command.kind === 'OPEN_COMPARTMENT');
  const answer = await bank.controller.redeemPickupCode(code);
  if (answer.__typename !== 'PickupOpened') throw new Error(`refused: ${JSON.stringify(answer)}`);
  const handled = await command;
  const label = handled.command.compartmentLabel;
  bank.controller.record(label, action === 'take' ? 'EMPTY' : 'OCCUPIED');
  bank.controller.closeDoor(label);
  await bank.controller.flush();
  return label;
}
