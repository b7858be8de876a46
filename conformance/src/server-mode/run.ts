/**
 * `--server <url> --admin-token <token>`: the kit plays a controller. It
 * makes a site and a bank with the admin token, connects with the bank's
 * device token and checks the server's side of every rule it can reach
 * from outside.
 */
import { randomBytes } from 'node:crypto';
import {
  DEFAULT_LIMITS,
  FRAME_ENVELOPE_BYTES,
  isZonedTime,
  LIMIT_NAMES,
  MAX_SEQ,
  PROTOCOL_VERSION,
  type Limits,
} from '../protocol.js';
import { Report, type ReportJson } from '../report.js';
import { KIT_VERSION } from '../version.js';
import { SERVER_CHECKS, SERVER_SCENARIOS, type ServerScenario } from './checks.js';
import { DeviceSocket, endpoints, type Closed, type Result } from './wire.js';

export interface ServerRunOptions {
  /** The server: http(s)://host:port, …/graphql, or ws(s)://…/graphql. */
  url: string;
  /** An ADMIN person's API token (Bearer). */
  adminToken: string;
  only?: readonly ServerScenario[];
  log?: (line: string) => void;
}

const LABELS = ['A01', 'A02', 'A03', 'A04', 'A05', 'A06'];
const CAPABILITIES = ['KEYPAD', 'QR_READER', 'OFFLINE_QR', 'DOOR_SENSOR', 'OCCUPANCY_SENSOR', 'HEALTH_REPORT'];
const TWO_31 = 2 ** 31;

const REPORT = `mutation Report($events: [LockerEventInput!]!) {
  reportLockerEvents(events: $events) {
    acceptedThroughSeq resendFromSeq stored duplicates
    rejected { seq reason message }
    flagged { seq flag message }
    conflicts { seq storedKind storedLabel storedAt }
  }
}`;
const LOST = `mutation Lost($from: SafeInt!, $through: SafeInt!, $reason: String!) {
  markLockerEventsLost(fromSeq: $from, throughSeq: $through, reason: $reason) { acceptedThroughSeq }
}`;
const COMMANDS = `subscription Commands {
  lockerCommands { id kind compartmentLabel issuedAt expiresAt ttlMs tokenId depositId via }
}`;
const ACK = `mutation Ack($id: ID!, $outcome: CommandOutcome!, $detail: String) {
  acknowledgeCommand(id: $id, outcome: $outcome, detail: $detail) { command { id status outcome acknowledgedLate } }
}`;
const STAFF_OPEN = `mutation Open($input: OpenCompartmentInput!) {
  openCompartment(input: $input) {
    __typename
    ... on CommandIssued { command { id expiresAt ttlMs } }
    ... on OpenRefused { reason message }
  }
}`;

interface Answer {
  acceptedThroughSeq: number;
  resendFromSeq: number | null;
  stored: number;
  duplicates: number;
  rejected: { seq: number; reason: string }[];
  flagged: { seq: number; flag: string }[];
  conflicts: { seq: number; storedKind: string; storedLabel: string | null; storedAt: string }[];
}

interface BankInfo {
  status: string;
  controller: {
    protocolVersion: number;
    model: string | null;
    serial: string | null;
    firmware: string | null;
    capabilities: string[];
  } | null;
}

interface LogEvent {
  seq: number | null;
  kind: string;
  reportedKind: string | null;
  reportedAt: string | null;
  rejection: string | null;
  flags: string[];
  detail: string | null;
}

interface OpenResult {
  __typename: string;
  command?: Issued;
  reason?: string;
  message?: string;
}

type Pickup = { __typename: string; message?: string };
type Acked = {
  acknowledgeCommand: { command: { id: string; status: string; outcome: string | null; acknowledgedLate: boolean } };
};

interface Ev {
  seq: unknown;
  label?: string | null;
  kind: string;
  at: string;
  code?: string;
  detail?: string;
}

class Run {
  readonly report: Report;
  readonly http: string;
  readonly ws: string;
  readonly sockets: DeviceSocket[] = [];
  bankId = '';
  deviceToken = '';
  limits: Limits = DEFAULT_LIMITS;
  /** Where the server's log ends, as far as the kit knows. */
  accepted = 0;
  readonly stamp = `${new Date().toISOString().slice(0, 19)} ${randomBytes(2).toString('hex')}`;

  constructor(
    readonly options: ServerRunOptions,
    readonly selected: ReadonlySet<ServerScenario>,
  ) {
    const e = endpoints(options.url);
    this.http = e.http;
    this.ws = e.ws;
    this.report = new Report('server', e.http, SERVER_CHECKS, selected);
  }

  log(line: string): void {
    this.options.log?.(`kit ${line}`);
  }

  /** GraphQL over HTTP with the admin token. */
  async admin<T = unknown>(query: string, variables: Record<string, unknown> = {}): Promise<Result<T>> {
    try {
      const res = await fetch(this.http, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.options.adminToken}` },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(15_000),
      });
      const text = await res.text();
      try {
        return JSON.parse(text) as Result<T>;
      } catch {
        return { errors: [{ message: `HTTP ${res.status}: ${text.slice(0, 200)}` }] };
      }
    } catch (err) {
      return {
        errors: [{ message: `no answer from ${this.http}: ${err instanceof Error ? err.message : String(err)}` }],
      };
    }
  }

  async open(options: { protocol?: string | null } = {}): Promise<DeviceSocket> {
    const socket = await DeviceSocket.open(this.ws, options);
    this.sockets.push(socket);
    return socket;
  }

  initPayload(
    overrides: Record<string, unknown> = {},
    controller: Record<string, unknown> = {},
  ): Record<string, unknown> {
    return {
      deviceToken: this.deviceToken,
      protocolVersion: PROTOCOL_VERSION,
      controller: {
        model: 'Baylight conformance kit',
        serial: `KIT-${this.stamp.slice(-4)}`,
        firmware: KIT_VERSION,
        capabilities: CAPABILITIES,
        time: new Date().toISOString(),
        ...controller,
      },
      ...overrides,
    };
  }

  /** A v2 connection with the bank's token; its ack or undefined. */
  async connect(token = this.deviceToken, controller: Record<string, unknown> = {}): Promise<DeviceSocket | undefined> {
    const socket = await this.open();
    const { ack, closed } = await socket.init(this.initPayload({ deviceToken: token }, controller));
    if (!ack) {
      this.log(`connection refused: ${closed ? `${closed.code} ${closed.reason}` : 'no ack'}`);
      return undefined;
    }
    return socket;
  }

  async send(socket: DeviceSocket, events: Ev[]): Promise<Result<{ reportLockerEvents: Answer }>> {
    const result = await socket.request<{ reportLockerEvents: Answer }>(REPORT, { events });
    const a = result.data?.reportLockerEvents;
    if (a) this.accepted = a.acceptedThroughSeq;
    this.log(`reportLockerEvents ${events.length} → ${JSON.stringify(a ?? result.errors ?? result).slice(0, 300)}`);
    return result;
  }

  stopAll(): void {
    for (const s of this.sockets) s.close();
  }
}

const now = () => new Date().toISOString();
const ev = (seq: number, label: string | null, kind: string, extra: Partial<Ev> = {}): Ev => ({
  seq,
  ...(label ? { label } : {}),
  kind,
  at: now(),
  ...extra,
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const show = (value: unknown) => {
  const text = JSON.stringify(value);
  return text === undefined ? 'nothing' : text.length > 300 ? `${text.slice(0, 300)}…` : text;
};
const resultText = (r: Result) =>
  r.closed
    ? `the socket was closed (${r.closed.code} ${r.closed.reason})`
    : r.timedOut
      ? 'no answer within 15 s'
      : r.errors?.length
        ? `errors ${show(r.errors.map((e) => ({ message: e.message, code: e.extensions?.code })))}`
        : show(r.data);
const codeOf = (r: Result) => r.errors?.[0]?.extensions?.code;

export async function runServerConformance(options: ServerRunOptions): Promise<ReportJson> {
  const selected = new Set<ServerScenario>(['connect', ...(options.only ?? SERVER_SCENARIOS)]);
  const run = new Run(options, selected);
  const { report } = run;
  try {
    const main = await connectScenario(run);
    if (!main) {
      report.closeUndecided('could not be checked: the kit could not connect a controller (see S.setup and S.ack.*)');
      return report.toJSON(KIT_VERSION, PROTOCOL_VERSION);
    }
    // A staff opening issued now, with nothing subscribed, must never be delivered after it expires.
    const expiring = selected.has('commands') ? await staffOpen(run, 'A06', 'conformance kit: expiry') : undefined;
    const step = async (name: string, fn: () => Promise<void>) => {
      run.log(`=== ${name} ===`);
      try {
        await fn();
      } catch (err) {
        report.notes.push(`${name} stopped: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      }
    };
    if (selected.has('events')) await step('events', () => eventsScenario(run, main));
    if (selected.has('init')) await step('init', () => initScenario(run, main));
    if (selected.has('commands')) await step('commands', () => commandsScenario(run, main, expiring));
    await judgeKeepAlive(run, main);
    if (selected.has('connections')) await step('connections', () => connectionsScenario(run));
    await judgeKeepAlive(run, main, true);
    report.closeUndecided('could not be checked (see the notes)');
    return report.toJSON(KIT_VERSION, PROTOCOL_VERSION);
  } finally {
    run.stopAll();
  }
}

// =============================================================================
// connect
// =============================================================================

async function connectScenario(run: Run): Promise<DeviceSocket | undefined> {
  const { report } = run;
  const site = await run.admin<{ createSite: { id: string } }>(
    `mutation ($input: CreateSiteInput!) { createSite(input: $input) { id } }`,
    { input: { name: `Conformance kit ${run.stamp}` } },
  );
  const siteId = site.data?.createSite?.id;
  const bank = siteId
    ? await run.admin<{ createLockerBank: { bank: { id: string; name: string }; deviceToken: string } }>(
        `mutation ($input: CreateLockerBankInput!) { createLockerBank(input: $input) { bank { id name } deviceToken } }`,
        {
          input: {
            siteId,
            name: `Conformance ${run.stamp}`,
            location: 'made by the conformance kit; safe to delete',
            compartments: LABELS.map((label, i) => ({ label, size: i % 2 ? 'M' : 'S' })),
          },
        },
      )
    : undefined;
  const created = bank?.data?.createLockerBank;
  if (
    !report.check(
      'S.setup',
      !!created?.deviceToken,
      'createSite and createLockerBank answered with a bank and its device token',
      created ? `bank ${created.bank.id}` : resultText(bank ?? site),
    )
  ) {
    report.notes.push(
      'Is the URL the Baylight server and the token an ADMIN API token (npm run admin -- create-token --role ADMIN --name conformance)?',
    );
    return undefined;
  }
  run.bankId = created!.bank.id;
  run.deviceToken = created!.deviceToken;

  const socket = await run.open();
  const sentAt = Date.now();
  const { ack, closed } = await socket.init(run.initPayload());
  if (!ack) {
    report.fail(
      'S.ack.version',
      'a connection_ack for the new bank’s token',
      closed ? `closed ${closed.code} ${closed.reason}` : 'no answer within 5 s',
    );
    return undefined;
  }
  run.log(`ack ${show(ack)}`);
  const server = (ack.server ?? {}) as Record<string, unknown>;
  const versions = server.protocolVersions;
  report.check(
    'S.ack.version',
    ack.protocolVersion === 2 &&
      ack.deprecation === null &&
      server.name === 'baylight' &&
      typeof server.version === 'string' &&
      Array.isArray(versions) &&
      versions.includes(2) &&
      isZonedTime(server.time),
    'protocolVersion 2, deprecation null, server { name "baylight", version, protocolVersions with 2, time with a zone }',
    `protocolVersion ${show(ack.protocolVersion)}, deprecation ${show(ack.deprecation)}, server ${show(ack.server)}`,
  );

  const limits = (ack.limits ?? {}) as Record<string, unknown>;
  const missing = LIMIT_NAMES.filter(
    (n) => !(typeof limits[n] === 'number' && Number.isSafeInteger(limits[n]) && limits[n] > 0),
  );
  const l = limits as unknown as Limits;
  const limitProblems = [
    missing.length ? `missing or not a positive whole number: ${missing.join(', ')}` : '',
    !missing.length && l.maxBatchEvents * l.maxEventBytes + FRAME_ENVELOPE_BYTES > l.maxFrameBytes
      ? `maxBatchEvents × maxEventBytes + 64 KiB = ${l.maxBatchEvents * l.maxEventBytes + FRAME_ENVELOPE_BYTES} > maxFrameBytes ${l.maxFrameBytes}`
      : '',
    l.maxLabelLength === 16 && l.maxDetailLength === 500 && l.maxCodeLength === 32 && l.maxKindLength === 64
      ? ''
      : `fixed limits differ: label ${show(l.maxLabelLength)}, detail ${show(l.maxDetailLength)}, code ${show(l.maxCodeLength)}, kind ${show(l.maxKindLength)}`,
    typeof l.qrClockSkewSeconds === 'number' && l.qrClockSkewSeconds <= 300
      ? ''
      : `qrClockSkewSeconds ${show(l.qrClockSkewSeconds)}`,
  ].filter(Boolean);
  report.check(
    'S.ack.limits',
    limitProblems.length === 0,
    'every limit present and consistent',
    limitProblems.join('; ') || show(limits),
  );
  if (!missing.length) run.limits = l;

  const compartments = (Array.isArray(ack.compartments) ? ack.compartments : []) as Record<string, unknown>[];
  const bankProblems = [
    ack.bankId === run.bankId ? '' : `bankId ${show(ack.bankId)}`,
    ack.bankName === created!.bank.name ? '' : `bankName ${show(ack.bankName)}`,
    typeof ack.generation === 'number' && Number.isInteger(ack.generation) && ack.generation >= 1
      ? ''
      : `generation ${show(ack.generation)}`,
    ack.acceptedThroughSeq === 0 ? '' : `acceptedThroughSeq ${show(ack.acceptedThroughSeq)}`,
    compartments.map((c) => c.label).join(',') === LABELS.join(',')
      ? ''
      : `compartments ${show(compartments.map((c) => c.label))}`,
    compartments.every((c, i) => c.size === (i % 2 ? 'M' : 'S') && c.hasCharging === false && c.depositId === null)
      ? ''
      : `compartment details ${show(compartments)}`,
  ].filter(Boolean);
  report.check(
    'S.ack.bank',
    bankProblems.length === 0,
    'the bank as created',
    bankProblems.join('; ') || `bank ${run.bankId}, ${compartments.length} compartments`,
  );

  const offset = ack.clockOffsetMs;
  const rtt = Date.now() - sentAt;
  report.check(
    'S.ack.clock',
    typeof offset === 'number' && Math.abs(offset) <= 5000 + rtt,
    'clockOffsetMs a number within 5 s of 0 (controller.time was taken from a right clock)',
    `clockOffsetMs ${show(offset)}`,
  );

  const keys = (Array.isArray(ack.pickupKeys) ? ack.pickupKeys : []) as Record<string, unknown>[];
  const keyProblems = [
    keys.length ? '' : 'pickupKeys empty or absent',
    keys.every((k) => {
      const jwk = (typeof k.jwk === 'string' ? safeJson(k.jwk) : k.jwk) as Record<string, unknown> | undefined;
      return (
        typeof k.kid === 'string' &&
        k.alg === 'EdDSA' &&
        jwk?.kty === 'OKP' &&
        jwk.crv === 'Ed25519' &&
        typeof jwk.x === 'string'
      );
    })
      ? ''
      : `a key is not { kid, alg EdDSA, jwk OKP Ed25519 }: ${show(keys)}`,
    keys.filter((k) => k.retiresAt === null).length === 1
      ? ''
      : `${keys.filter((k) => k.retiresAt === null).length} keys with retiresAt null (one signs now)`,
    Array.isArray(ack.revokedPickupTokens) && ack.revokedPickupTokens.every((t) => typeof t === 'string')
      ? ''
      : `revokedPickupTokens ${show(ack.revokedPickupTokens)}`,
  ].filter(Boolean);
  report.check(
    'S.ack.keys',
    keyProblems.length === 0,
    'pickupKeys and revokedPickupTokens as PROTOCOL.md 1 shows',
    keyProblems.join('; ') || `${keys.length} key(s)`,
  );

  const info = await run.admin<{ lockerBank: BankInfo | null }>(
    `query ($id: ID!) { lockerBank(id: $id) { status controller { protocolVersion model serial firmware capabilities } } }`,
    { id: run.bankId },
  );
  const bankInfo = info.data?.lockerBank;
  const ctl = bankInfo?.controller;
  report.check(
    'S.presence',
    bankInfo?.status === 'ONLINE' &&
      ctl?.protocolVersion === 2 &&
      ctl?.model === 'Baylight conformance kit' &&
      ctl?.firmware === KIT_VERSION &&
      Array.isArray(ctl?.capabilities) &&
      CAPABILITIES.every((c) => ctl.capabilities.includes(c)),
    'status ONLINE; controller { protocolVersion 2, model, serial, firmware, capabilities } as sent',
    bankInfo ? show(bankInfo) : resultText(info),
  );

  // graphql-ws ping → pong (the WebSocket pings are judged at the end).
  const pong = socket.next((m) => m.type === 'pong', 3000);
  socket.send({ type: 'ping' });
  (socket as DeviceSocket & { kitPong?: boolean }).kitPong = !!(await pong);
  return socket;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * S.keepalive, judged once the main connection has lived keepAliveMs + 3 s
 * (or has closed). `final`: the last chance, so wait for the window to pass.
 */
async function judgeKeepAlive(run: Run, main: DeviceSocket, final = false): Promise<void> {
  if (run.report.decided('S.keepalive')) return;
  const window = run.limits.keepAliveMs + 3000;
  const lived = () => (main.closedAt ?? Date.now()) - main.openedAt;
  if (final && main.isOpen && !main.pings.length && lived() < window) await sleep(window - lived());
  const firstPing = main.pings[0]?.at;
  if (firstPing === undefined && lived() < window) {
    if (main.isOpen && !final) return;
    return run.report.skip('S.keepalive', `the connection lasted less than keepAliveMs + 3 s (${window} ms)`);
  }
  const pong = (main as DeviceSocket & { kitPong?: boolean }).kitPong;
  run.report.check(
    'S.keepalive',
    firstPing !== undefined && firstPing - main.openedAt <= window && pong === true,
    `a WebSocket ping within ${window} ms of connecting, and a pong for a graphql-ws ping`,
    `${firstPing !== undefined ? `first ping after ${firstPing - main.openedAt} ms` : `no ping in ${lived()} ms`}; graphql-ws pong ${pong ? 'received' : 'missing'}`,
  );
}

// =============================================================================
// events
// =============================================================================

function answerOf(r: Result<{ reportLockerEvents: Answer }>): Answer | undefined {
  return r.data?.reportLockerEvents ?? undefined;
}

async function eventsScenario(run: Run, m: DeviceSocket): Promise<void> {
  const { report } = run;
  const b1 = [ev(1, 'A01', 'DOOR_OPENED'), ev(2, 'A01', 'OCCUPIED'), ev(3, 'A01', 'DOOR_CLOSED')];
  let r = await run.send(m, b1);
  let a = answerOf(r);
  report.check(
    'S.events.stored',
    !!a &&
      a.acceptedThroughSeq === 3 &&
      a.stored === 3 &&
      a.duplicates === 0 &&
      !a.rejected.length &&
      !a.flagged.length &&
      !a.conflicts.length &&
      a.resendFromSeq === null,
    'acceptedThroughSeq 3, stored 3, duplicates 0, nothing rejected, flagged or in conflict, resendFromSeq null',
    resultText(r),
  );
  r = await run.send(m, b1);
  a = answerOf(r);
  report.check(
    'S.events.duplicates',
    !!a && a.duplicates === 3 && a.stored === 0 && a.acceptedThroughSeq === 3 && !a.conflicts.length,
    'duplicates 3, stored 0, acceptedThroughSeq 3',
    resultText(r),
  );
  r = await run.send(m, [ev(6, 'A02', 'DOOR_OPENED')]);
  a = answerOf(r);
  report.check(
    'S.events.gap',
    !!a && a.stored === 0 && a.acceptedThroughSeq === 3 && a.resendFromSeq === 4,
    'stored 0, acceptedThroughSeq 3, resendFromSeq 4',
    resultText(r),
  );
  r = await run.send(m, [ev(5, 'A02', 'DOOR_CLOSED'), ev(4, 'A02', 'DOOR_OPENED')]);
  a = answerOf(r);
  report.check(
    'S.events.order',
    !!a && a.stored === 2 && a.acceptedThroughSeq === 5,
    'stored 2, acceptedThroughSeq 5',
    resultText(r),
  );

  // Rejections one by one; the good events between them flow.
  const poison = [
    ev(6, 'Z99', 'DOOR_OPENED'),
    ev(7, 'A03', 'DOOR_OPENED'),
    ev(8, 'A03', 'DOOR_CLOSED', { at: '2026-11-27T08:00:00' }),
    ev(9, null, 'DOOR_OPENED'),
    ev(10, 'A03', 'TAMPER', { detail: 'x'.repeat(run.limits.maxEventBytes + 100) }),
    ev(11, 'A03', 'DOOR_OPENED'),
  ];
  r = await run.send(m, poison);
  a = answerOf(r);
  const want: Record<number, string> = {
    6: 'UNKNOWN_COMPARTMENT',
    8: 'INVALID_TIME',
    9: 'INVALID_LABEL',
    10: 'TOO_LARGE',
  };
  const got = Object.fromEntries((a?.rejected ?? []).map((x) => [x.seq, x.reason]));
  const rejectOk =
    !!a &&
    a.acceptedThroughSeq === 11 &&
    a.stored === 6 &&
    Object.entries(want).every(([seq, reason]) => got[Number(seq)] === reason) &&
    a.rejected.length === 4;
  const again = rejectOk ? answerOf(await run.send(m, poison)) : undefined;
  report.check(
    'S.events.rejected',
    rejectOk && !!again && again.duplicates === 6 && again.conflicts.length === 0 && again.stored === 0,
    'rejected {6 UNKNOWN_COMPARTMENT, 8 INVALID_TIME, 9 INVALID_LABEL, 10 TOO_LARGE}, stored 6, acceptedThroughSeq 11; sent again: duplicates 6, no conflicts',
    `${resultText(r)}${again ? `; again: ${show(again)}` : ''}`,
  );
  r = await run.send(m, [ev(12, 'A03', 'KIT_FUTURE_KIND')]);
  a = answerOf(r);
  const unknownStored =
    !!a &&
    a.acceptedThroughSeq === 12 &&
    a.stored === 1 &&
    a.rejected.some((x) => x.seq === 12 && x.reason === 'UNKNOWN_KIND');

  const ahead = new Date(Date.now() + 3_600_000).toISOString();
  r = await run.send(m, [
    ev(13, 'A03', 'DOOR_CLOSED', { detail: 'd'.repeat(600) }),
    ev(14, 'A04', 'FAULT', { code: 'C'.repeat(40), detail: 'kit: a code over 32 characters' }),
    ev(15, 'A04', 'FAULT_CLEARED', { at: ahead }),
  ]);
  a = answerOf(r);
  const flags = (a?.flagged ?? []).map((f) => `${f.seq} ${f.flag}`);
  report.check(
    'S.events.flagged',
    !!a &&
      a.stored === 3 &&
      ['13 TRUNCATED', '14 TRUNCATED', '15 CLOCK_OUT_OF_RANGE'].every((f) => flags.includes(f)) &&
      !a.rejected.length,
    'stored 3; flagged 13 TRUNCATED, 14 TRUNCATED, 15 CLOCK_OUT_OF_RANGE',
    resultText(r),
  );
  r = await run.send(m, [ev(13, 'A03', 'DOOR_OPENED')]);
  a = answerOf(r);
  const conflict = a?.conflicts.find((c) => c.seq === 13);
  report.check(
    'S.events.conflict',
    !!a &&
      a.stored === 0 &&
      a.acceptedThroughSeq === 15 &&
      conflict?.storedKind === 'DOOR_CLOSED' &&
      conflict.storedLabel === 'A03' &&
      isZonedTime(conflict.storedAt),
    'conflicts [{ seq 13, storedKind DOOR_CLOSED, storedLabel A03, storedAt }], stored 0, acceptedThroughSeq 15',
    resultText(r),
  );

  // Whole batches refused.
  const refusals: string[] = [];
  const expectRefused = async (name: string, events: Ev[], index?: number) => {
    const res = await run.send(m, events);
    const e = res.errors?.[0];
    const ok =
      codeOf(res) === 'BAD_USER_INPUT' &&
      !res.data?.reportLockerEvents &&
      (index === undefined || (e?.extensions?.index === index && e.extensions.field === 'seq'));
    if (!ok) refusals.push(`${name}: ${resultText(res)}`);
  };
  await expectRefused('an empty batch', []);
  await expectRefused(
    `${run.limits.maxBatchEvents + 1} events`,
    Array.from({ length: run.limits.maxBatchEvents + 1 }, (_, i) => ev(16 + i, 'A05', 'TAMPER')),
  );
  await expectRefused('seq 0', [ev(0, 'A05', 'TAMPER')], 0);
  await expectRefused('seq 1.5', [ev(16, 'A05', 'TAMPER'), ev(1.5, 'A05', 'TAMPER')], 1);
  await expectRefused('seq 2^53', [ev(MAX_SEQ + 1, 'A05', 'TAMPER')], 0);
  const alive = await m.request('query { __typename }');
  report.check(
    'S.events.batch-refused',
    refusals.length === 0 && !!alive.data && run.accepted === 15,
    'BAD_USER_INPUT for each (index and field "seq" for the seqs), nothing stored, the socket open',
    refusals.join('; ') ||
      (alive.data ? `all refused; acceptedThroughSeq ${run.accepted}` : `afterwards: ${resultText(alive)}`),
  );

  const max = run.limits.maxBatchEvents;
  const full = Array.from({ length: max }, (_, i) =>
    ev(16 + i, 'A05', i % 2 ? 'DOOR_CLOSED' : 'DOOR_OPENED', { detail: 'k'.repeat(500) }),
  );
  r = await run.send(m, full);
  a = answerOf(r);
  report.check(
    'S.events.max-batch',
    !!a && a.stored === max && a.acceptedThroughSeq === 15 + max && m.isOpen,
    `stored ${max}, acceptedThroughSeq ${15 + max}, the socket open`,
    resultText(r),
  );

  // Lost ranges, and seqs past 2^31.
  const from = run.accepted + 1;
  const wrong = await m.request(LOST, { from: from + 4, through: from + 10, reason: 'conformance kit: a wrong start' });
  const wrongOk =
    codeOf(wrong) === 'BAD_USER_INPUT' && wrong.errors?.[0]?.extensions?.acceptedThroughSeq === run.accepted;
  const lost = await m.request<{ markLockerEventsLost: { acceptedThroughSeq: number } }>(LOST, {
    from,
    through: TWO_31 + 5,
    reason: 'conformance kit: a jump past 2^31',
  });
  const lostOk = lost.data?.markLockerEventsLost?.acceptedThroughSeq === TWO_31 + 5;
  if (lostOk) run.accepted = TWO_31 + 5;
  const inside = lostOk ? answerOf(await run.send(m, [ev(from + 10, 'A05', 'TAMPER')])) : undefined;
  report.check(
    'S.events.lost',
    wrongOk && lostOk && !!inside && inside.duplicates === 1 && inside.stored === 0,
    'a wrong fromSeq refused BAD_USER_INPUT with extensions.acceptedThroughSeq; the right range answered acceptedThroughSeq = 2^31 + 5; a seq inside it answered as a duplicate',
    `wrong start: ${resultText(wrong)}; range: ${resultText(lost)}${inside ? `; inside: ${show(inside)}` : ''}`,
  );
  if (lostOk) {
    r = await run.send(m, [ev(TWO_31 + 6, 'A05', 'DOOR_OPENED'), ev(TWO_31 + 7, 'A05', 'DOOR_CLOSED')]);
    a = answerOf(r);
    report.check(
      'S.events.big-seq',
      !!a && a.stored === 2 && a.acceptedThroughSeq === TWO_31 + 7,
      `stored 2, acceptedThroughSeq ${TWO_31 + 7}`,
      resultText(r),
    );
  } else
    report.fail(
      'S.events.big-seq',
      'a lost range up to 2^31 + 5 first',
      'markLockerEventsLost failed (see S.events.lost)',
    );

  // What people see.
  const bank = await run.admin<{
    lockerBank: { compartments: { label: string; door: string; occupancy: string }[] } | null;
  }>(`query ($id: ID!) { lockerBank(id: $id) { compartments { label door occupancy } } }`, { id: run.bankId });
  const a01 = bank.data?.lockerBank?.compartments.find((c) => c.label === 'A01');
  report.check(
    'S.events.applied',
    a01?.door === 'CLOSED' && a01.occupancy === 'OCCUPIED',
    'A01 door CLOSED, occupancy OCCUPIED',
    a01 ? show(a01) : resultText(bank),
  );

  const log = await run.admin<{ lockerEventLog: { events: LogEvent[] } }>(
    `query ($id: ID!) { lockerEventLog(bankId: $id, first: 100, problemsOnly: true) { events { seq kind reportedKind reportedAt rejection flags detail } } }`,
    { id: run.bankId },
  );
  const events = log.data?.lockerEventLog?.events ?? [];
  const unrecognised = events.find((e) => e.kind === 'UNRECOGNISED' && e.reportedKind === 'KIT_FUTURE_KIND');
  report.check(
    'S.events.unknown-kind',
    unknownStored && !!unrecognised,
    'rejected UNKNOWN_KIND, stored (acceptedThroughSeq 12), and in the event log as UNRECOGNISED with reportedKind KIT_FUTURE_KIND',
    `answer: ${unknownStored ? 'as expected' : 'not as expected'}; log entry: ${show(unrecognised ?? (log.errors ? log.errors : 'none'))}`,
  );
  const invalidTime = events.find((e) => e.rejection === 'INVALID_TIME');
  const lostEntry = events.find((e) => e.kind === 'EVENTS_LOST');
  report.check(
    'S.events.log',
    invalidTime?.reportedAt === '2026-11-27T08:00:00' && !!unrecognised && !!lostEntry,
    'lockerEventLog(problemsOnly: true) lists the INVALID_TIME event with reportedAt as sent, the UNRECOGNISED one and the EVENTS_LOST range',
    log.errors
      ? resultText(log)
      : `${events.length} entries; INVALID_TIME ${show(invalidTime)}; EVENTS_LOST ${show(lostEntry)}`,
  );
  const alerts = await run.admin<{ staffAlerts: { kind: string; bankId: string | null }[] }>(
    `query { staffAlerts(limit: 500) { kind bankId } }`,
  );
  const kinds = new Set((alerts.data?.staffAlerts ?? []).filter((x) => x.bankId === run.bankId).map((x) => x.kind));
  report.check(
    'S.events.alerts',
    kinds.has('EVENT_REJECTED') && kinds.has('EVENTS_LOST'),
    'open EVENT_REJECTED and EVENTS_LOST alerts for the bank',
    alerts.errors ? resultText(alerts) : `alerts for the bank: ${[...kinds].join(', ') || 'none'}`,
  );

  const health = await m.request<{ reportControllerHealth: { serverTime: string; clockOffsetMs: number } }>(
    `mutation Health($input: ControllerHealthInput!) { reportControllerHealth(input: $input) { serverTime clockOffsetMs } }`,
    {
      input: { at: now(), uptimeSeconds: 60, outboxDepth: 0, power: 'MAINS', batteryPercent: 100, temperatureC: 21.5 },
    },
  );
  const h = health.data?.reportControllerHealth;
  report.check(
    'S.health',
    !!h && isZonedTime(h.serverTime) && typeof h.clockOffsetMs === 'number' && Math.abs(h.clockOffsetMs) <= 5000,
    'serverTime with a zone and clockOffsetMs within 5 s of 0',
    resultText(health),
  );

  const PICKUP = `__typename ... on PickupRefused { message retryAfterSeconds } ... on PickupOpened { compartmentLabel }`;
  const c1 = await m.request<{ redeemPickupCode: Pickup }>(
    `mutation ($code: String!) { redeemPickupCode(code: $code) { ${PICKUP} } }`,
    { code: '0000 0000' },
  );
  const c2 = await m.request<{ redeemPickupCode: Pickup }>(
    `mutation ($code: String!) { redeemPickupCode(code: $code) { ${PICKUP} } }`,
    { code: '1234-5678' },
  );
  const q = await m.request<{ redeemPickupQr: Pickup }>(
    `mutation ($token: String!) { redeemPickupQr(token: $token) { ${PICKUP} } }`,
    { token: 'not-a-pickup-token' },
  );
  const m1 = c1.data?.redeemPickupCode;
  const m2 = c2.data?.redeemPickupCode;
  const mq = q.data?.redeemPickupQr;
  report.check(
    'S.pickup',
    m1?.__typename === 'PickupRefused' &&
      m2?.__typename === 'PickupRefused' &&
      m1.message === m2.message &&
      mq?.__typename === 'PickupRefused',
    'PickupRefused for both wrong codes (the same message) and for the non-token',
    `${resultText(c1)}; ${resultText(c2)}; ${resultText(q)}`,
  );
}

// =============================================================================
// init refusals
// =============================================================================

async function closeOf(
  run: Run,
  payload: Record<string, unknown> | null,
  options: { protocol?: string | null; raw?: string } = {},
): Promise<Closed | undefined> {
  const socket = await run.open(options);
  if (options.raw !== undefined) socket.send(options.raw);
  else if (payload) socket.send({ type: 'connection_init', payload });
  return socket.waitClosed(5000);
}

async function initScenario(run: Run, m: DeviceSocket): Promise<void> {
  const { report } = run;
  const time = now();
  const malformed: [string, Record<string, unknown>, string][] = [
    ['protocolVersion "2"', run.initPayload({ protocolVersion: '2' }), 'protocolVersion'],
    ['protocolVersion 0', run.initPayload({ protocolVersion: 0 }), 'protocolVersion'],
    ['a 101-character model', run.initPayload({}, { model: 'm'.repeat(101), time }), 'model'],
    ['capabilities "KEYPAD"', run.initPayload({}, { capabilities: 'KEYPAD' }), 'capabilities'],
    [
      '33 capabilities',
      run.initPayload({}, { capabilities: Array.from({ length: 33 }, (_, i) => `CAP_${i}`) }),
      'capabilities',
    ],
    ['a 41-character capability', run.initPayload({}, { capabilities: ['C'.repeat(41)] }), 'capabilities'],
  ];
  const results = await Promise.all(malformed.map(([, payload]) => closeOf(run, payload)));
  const bad = malformed
    .map(([name, , field], i) => {
      const c = results[i];
      return c?.code === 4400 && c.reason.includes(field)
        ? ''
        : `${name}: ${c ? `closed ${c.code} "${c.reason}"` : 'not closed within 5 s'}`;
    })
    .filter(Boolean);
  report.check(
    'S.init.malformed',
    bad.length === 0,
    'each closed with 4400 and a reason naming the field',
    bad.join('; ') || 'all closed 4400 naming the field',
  );

  const [wrongToken, noToken, noProtocol, early, frame, silent] = await Promise.all([
    closeOf(run, run.initPayload({ deviceToken: `bld_${randomBytes(32).toString('hex')}` })),
    closeOf(run, { protocolVersion: 2 }),
    closeOf(run, run.initPayload(), { protocol: null }),
    closeOf(run, null, { raw: JSON.stringify({ id: '1', type: 'subscribe', payload: { query: '{ __typename }' } }) }),
    closeOf(run, null, { raw: 'x'.repeat(run.limits.maxFrameBytes + 1) }),
    (async () => {
      const socket = await run.open();
      const t = Date.now();
      const c = await socket.waitClosed(6000);
      return c ? { ...c, after: Date.now() - t } : undefined;
    })(),
  ]);
  const text = (c: Closed | undefined) => (c ? `closed ${c.code} "${c.reason}"` : 'not closed within 5 s');
  report.check(
    'S.init.token',
    wrongToken?.code === 4403 && noToken?.code === 4403,
    'both closed with 4403',
    `wrong token: ${text(wrongToken)}; no token: ${text(noToken)}`,
  );
  report.check('S.init.subprotocol', noProtocol?.code === 4406, 'closed with 4406', text(noProtocol));
  report.check('S.init.early', early?.code === 4401, 'closed with 4401', text(early));
  report.check('S.init.frame', frame?.code === 1009, 'closed with 1009', text(frame));
  report.check(
    'S.init.timeout',
    silent?.code === 4408 && silent.after >= 2500,
    'closed with 4408 about 3 s after opening',
    silent ? `closed ${silent.code} "${silent.reason}" after ${silent.after} ms` : 'not closed within 6 s',
  );
  const alive = await m.request('query { __typename }');
  report.check(
    'S.init.live-kept',
    m.isOpen && !!alive.data,
    'the live connection still open and answering',
    m.closedWith ? `it was closed ${m.closedWith.code} "${m.closedWith.reason}"` : resultText(alive),
  );
}

// =============================================================================
// commands
// =============================================================================

interface Issued {
  id: string;
  expiresAt: string;
  ttlMs: number;
}

async function staffOpen(run: Run, label: string, reason: string): Promise<Issued | string> {
  const r = await run.admin<{ openCompartment: OpenResult }>(STAFF_OPEN, {
    input: { bankId: run.bankId, label, reason },
  });
  const result = r.data?.openCompartment;
  if (result?.__typename === 'CommandIssued' && result.command) return result.command;
  return result ? `${result.__typename} ${result.reason ?? ''} ${result.message ?? ''}`.trim() : resultText(r);
}

type CommandItem = {
  id: string;
  kind: string;
  compartmentLabel: string;
  expiresAt: string;
  ttlMs: number;
  via: string | null;
};
const commandsIn = (items: Result[]) =>
  items
    .map((i) => (i.data as { lockerCommands?: CommandItem } | null | undefined)?.lockerCommands)
    .filter((c): c is CommandItem => !!c);

async function commandsScenario(run: Run, m: DeviceSocket, expiring: Issued | string | undefined): Promise<void> {
  const { report } = run;
  // --- expired, never sent -----------------------------------------------------
  let first;
  if (typeof expiring !== 'object') {
    report.fail(
      'S.cmd.expired',
      'openCompartment(A06) right after the ack answered CommandIssued',
      expiring ?? 'not issued',
    );
    first = m.subscribe(COMMANDS);
  } else {
    const wait = Date.parse(expiring.expiresAt) + 1500 - Date.now();
    if (wait > 90_000) {
      report.skip('S.cmd.expired', `the staff opening lives ${Math.round(wait / 1000)} s: too long to wait for`);
    } else if (wait > 0) {
      run.log(`waiting ${Math.round(wait / 1000)} s for the staff opening of A06 to expire`);
      await sleep(wait);
    }
    first = m.subscribe(COMMANDS);
    await first.until((items) => commandsIn(items).some((c) => c.id === expiring.id), 2500);
    if (!report.decided('S.cmd.expired')) {
      const sent = commandsIn(first.items).find((c) => c.id === expiring.id);
      report.check(
        'S.cmd.expired',
        !sent,
        `the command ${expiring.id} (expired at ${expiring.expiresAt}) not delivered by a later subscription`,
        sent ? `delivered at ${now()} with ttlMs ${sent.ttlMs}` : 'not delivered',
      );
    }
  }

  // --- a second subscription, and a command on the first --------------------------
  const second = m.subscribe(COMMANDS);
  await second.until(() => false, 3000).then(() => undefined);
  const refusedCode = second.errors?.[0]?.extensions?.code;
  const before = commandsIn(first.items).length;
  const opened = await staffOpen(run, 'A01', 'conformance kit: delivery');
  if (typeof opened === 'object') await first.until((items) => commandsIn(items).some((c) => c.id === opened.id), 5000);
  await sleep(500);
  const delivered = typeof opened === 'object' ? commandsIn(first.items).filter((c) => c.id === opened.id) : [];
  report.check(
    'S.cmd.already-subscribed',
    refusedCode === 'ALREADY_SUBSCRIBED' && delivered.length === 1 && commandsIn(second.items).length === 0,
    'the second lockerCommands answered with an error ALREADY_SUBSCRIBED; the next command delivered once, on the first',
    `second: ${second.errors ? show(second.errors) : second.items.length ? `got ${second.items.length} results` : 'no answer in 3 s'}; the command arrived ${delivered.length}× on the first (${commandsIn(first.items).length - before} new)`,
  );
  const c = delivered[0];
  const ttlOk = !!c && c.ttlMs > 0 && c.ttlMs <= Date.parse(c.expiresAt) - Date.now() + 3000;
  report.check(
    'S.cmd.fields',
    typeof opened === 'object' &&
      !!c &&
      c.kind === 'OPEN_COMPARTMENT' &&
      c.compartmentLabel === 'A01' &&
      isZonedTime(c.expiresAt) &&
      ttlOk &&
      typeof c.via === 'string',
    'id of the issued command, kind OPEN_COMPARTMENT, compartmentLabel A01, expiresAt with a zone, 0 < ttlMs ≤ time to expiresAt, via',
    typeof opened === 'object' ? show(c ?? 'not delivered') : `openCompartment: ${opened}`,
  );

  // --- acknowledgeCommand -----------------------------------------------------------
  if (c) {
    const one = await m.request<Acked>(ACK, { id: c.id, outcome: 'OPENED', detail: null });
    const two = await m.request<Acked>(ACK, {
      id: c.id,
      outcome: 'FAILED',
      detail: 'conformance kit: a second answer',
    });
    const unknown = await m.request(ACK, {
      id: `cmd_kit_${randomBytes(6).toString('hex')}`,
      outcome: 'OPENED',
      detail: null,
    });
    const s1 = one.data?.acknowledgeCommand?.command;
    const s2 = two.data?.acknowledgeCommand?.command;
    report.check(
      'S.cmd.ack',
      s1?.status === 'DONE' &&
        s1.acknowledgedLate === false &&
        (s2 ? s2.status === 'DONE' && s2.outcome === 'OPENED' : !!two.errors) &&
        codeOf(unknown) === 'NOT_FOUND',
      'OPENED → status DONE, acknowledgedLate false; a second answer leaves it DONE/OPENED; an unknown id NOT_FOUND',
      `first ${resultText(one)}; second ${resultText(two)}; unknown ${resultText(unknown)}`,
    );
  } else report.fail('S.cmd.ack', 'a delivered command to acknowledge', 'none was delivered');

  await judgeKeepAlive(run, m, true);

  // --- right after reconnecting ---------------------------------------------------
  m.close();
  await m.waitClosed(2000);
  const d = await run.connect();
  if (!d) {
    report.fail('S.cmd.after-reconnect', 'a connection', 'the reconnect was refused');
    report.fail('S.cmd.grace', 'a connection', 'the reconnect was refused');
    return;
  }
  const issued = await staffOpen(run, 'A02', 'conformance kit: right after reconnecting');
  const subD = d.subscribe(COMMANDS);
  const got =
    typeof issued === 'object' &&
    (await subD.until((items) => commandsIn(items).some((x) => x.id === issued.id), 5000));
  report.check(
    'S.cmd.after-reconnect',
    got,
    'openCompartment(A02) right after the ack: CommandIssued, then delivered on subscribing',
    typeof issued === 'object'
      ? got
        ? 'delivered'
        : 'issued but not delivered within 5 s'
      : `openCompartment: ${issued}`,
  );
  for (const x of commandsIn(subD.items)) await d.request(ACK, { id: x.id, outcome: 'OPENED', detail: null });

  // --- in the grace period -----------------------------------------------------------
  d.close();
  await d.waitClosed(2000);
  const during = await staffOpen(run, 'A03', 'conformance kit: during the grace period');
  const e = await run.connect();
  const subE = e?.subscribe(COMMANDS);
  const back =
    typeof during === 'object' &&
    !!subE &&
    (await subE.until((items) => commandsIn(items).some((x) => x.id === during.id), 5000));
  report.check(
    'S.cmd.grace',
    back,
    'openCompartment(A03) while disconnected (within offlineGraceMs): CommandIssued, delivered on the return',
    typeof during === 'object'
      ? back
        ? 'delivered'
        : e
          ? 'issued but not delivered within 5 s'
          : 'the reconnect was refused'
      : `openCompartment: ${during}`,
  );
  for (const x of commandsIn(subE?.items ?? [])) await e?.request(ACK, { id: x.id, outcome: 'OPENED', detail: null });
}

// =============================================================================
// connections
// =============================================================================

async function connectionsScenario(run: Run): Promise<void> {
  const { report } = run;
  // --- replace ----------------------------------------------------------------------
  const c1 = await run.connect();
  const c2 = c1 ? await run.connect() : undefined;
  const c1Closed = c1 ? await c1.waitClosed(3000) : undefined;
  report.check(
    'S.conn.replace',
    !!c2 && c1Closed?.code === 4000 && c2.isOpen,
    'the first connection closed with 4000 once the second was acked; the second open',
    !c1 || !c2
      ? 'a connection was refused'
      : c1Closed
        ? `the first closed ${c1Closed.code} "${c1Closed.reason}"`
        : 'the first was not closed within 3 s',
  );

  // --- superseded ----------------------------------------------------------------------
  const older = await run.open();
  await sleep(50);
  const newer = await run.open();
  const newerAck = await newer.init(run.initPayload());
  const late = await older.init(run.initPayload(), 2000);
  const olderClosed = late.closed ?? (await older.waitClosed(2000));
  await sleep(1000);
  const alive = newer.isOpen ? await newer.request('query { __typename }') : undefined;
  report.check(
    'S.conn.superseded',
    !!newerAck.ack && !late.ack && olderClosed?.code === 4002 && newer.isOpen && !!alive?.data,
    'the older socket’s late init closed with 4002; the newer connection still open and answering',
    !newerAck.ack
      ? `the newer socket was not acked (${newerAck.closed?.code ?? 'no answer'})`
      : late.ack
        ? 'the late init was acked (it would unseat the live connection)'
        : `older: ${olderClosed ? `closed ${olderClosed.code} "${olderClosed.reason}"` : 'not closed'}; newer: ${newer.isOpen ? 'open' : `closed ${newer.closedWith?.code}`}`,
  );

  // --- version 1 ---------------------------------------------------------------------------
  const v1 = await run.open();
  const { ack, closed } = await v1.init({ deviceToken: run.deviceToken });
  let v1Text = ack
    ? show({ protocolVersion: ack.protocolVersion, deprecation: ack.deprecation, bankId: ack.bankId })
    : `closed ${closed?.code}`;
  let v1Ok =
    !!ack &&
    ack.protocolVersion === 1 &&
    typeof ack.deprecation === 'string' &&
    ack.deprecation.length > 0 &&
    ack.bankId === run.bankId &&
    typeof ack.bankName === 'string' &&
    typeof ack.acceptedThroughSeq === 'number' &&
    Array.isArray(ack.compartments);
  if (ack) {
    const seq = (ack.acceptedThroughSeq as number) + 1;
    const literal = await v1.request<{ reportLockerEvents: { acceptedThroughSeq: number; stored: number } }>(
      `mutation { reportLockerEvents(events: [{ seq: ${seq}, label: "A04", kind: DOOR_OPENED, at: "${now()}" }]) { acceptedThroughSeq stored } }`,
    );
    const stored = literal.data?.reportLockerEvents?.stored === 1;
    v1Ok &&= stored;
    v1Text += `; enum-literal kind: ${resultText(literal)}`;
  }
  report.check(
    'S.conn.v1',
    v1Ok,
    'acked as protocolVersion 1 with a deprecation and the version 1 fields; the enum-literal event stored',
    v1Text,
  );

  // --- a second init -------------------------------------------------------------------------
  if (v1.isOpen) {
    v1.send({ type: 'connection_init', payload: { deviceToken: run.deviceToken } });
    const twice = await v1.waitClosed(3000);
    report.check(
      'S.init.twice',
      twice?.code === 4429,
      'closed with 4429',
      twice ? `closed ${twice.code} "${twice.reason}"` : 'not closed within 3 s',
    );
  } else
    report.fail('S.init.twice', 'an acked socket to send a second init on', 'the version 1 connection was not open');

  // --- rotation --------------------------------------------------------------------------------
  const live = await run.connect();
  const generation = live?.ack?.generation;
  const rotated = await run.admin<{ rotateDeviceToken: { deviceToken: string } }>(
    `mutation ($id: ID!) { rotateDeviceToken(bankId: $id) { deviceToken } }`,
    { id: run.bankId },
  );
  const newToken = rotated.data?.rotateDeviceToken?.deviceToken;
  const liveClosed = live ? await live.waitClosed(5000) : undefined;
  const oldRefused = await closeOf(run, run.initPayload());
  const fresh = newToken
    ? await run.connect(newToken, { time: new Date(Date.now() + 120_000).toISOString() })
    : undefined;
  const freshAck = fresh?.ack;
  report.check(
    'S.conn.rotate',
    liveClosed?.code === 4403 &&
      oldRefused?.code === 4403 &&
      !!freshAck &&
      freshAck.generation === (generation as number) + 1 &&
      freshAck.acceptedThroughSeq === 0,
    'the live connection closed 4403; the old token refused 4403; the new one acked with generation + 1 and acceptedThroughSeq 0',
    `live: ${liveClosed ? `closed ${liveClosed.code}` : 'not closed'}; old token: ${oldRefused ? `closed ${oldRefused.code}` : 'not closed'}; new: ${freshAck ? show({ generation: freshAck.generation, was: generation, acceptedThroughSeq: freshAck.acceptedThroughSeq }) : resultText(rotated)}`,
  );

  // --- a fast clock --------------------------------------------------------------------------------
  if (fresh && freshAck) {
    run.deviceToken = newToken!;
    const offset = freshAck.clockOffsetMs as number | null;
    const r = await run.send(fresh, [
      ev(1, 'A05', 'DOOR_OPENED', { at: new Date(Date.now() + 120_000).toISOString() }),
    ]);
    const a = answerOf(r);
    report.check(
      'S.conn.clock',
      typeof offset === 'number' &&
        Math.abs(offset - 120_000) <= 5000 &&
        !!a &&
        a.flagged.some((f) => f.seq === 1 && f.flag === 'CLOCK_CORRECTED'),
      'clockOffsetMs ≈ 120000, and the event flagged CLOCK_CORRECTED',
      `clockOffsetMs ${show(offset)}; ${resultText(r)}`,
    );
  } else report.fail('S.conn.clock', 'a connection with the rotated token', 'none');
}
