/**
 * Parcels: intake at the mailroom desk or by a courier, deposit into the
 * smallest fitting compartment, notices, pickup by keypad code, QR (online or
 * verified by the controller offline) or remote open, and the exceptions
 * (extend, proxy, recall, desk hand-over, door did not open).
 *
 * What the controller reports drives the parcel: a deposit is confirmed when
 * the door closes with something inside; a pickup when it closes empty. That
 * logic runs inside the same transaction that stores the controller's events
 * (an event hook), so a crash never leaves an event stored but not acted on,
 * and the notice it causes is written in that transaction too (outbox).
 */
import type { AuditService } from '../audit/service.js';
import type { Bus } from '../bus/index.js';
import type { Db, Queryable, Tx } from '../db/index.js';
import { PICKUP_QR_CLOCK_SKEW_SECONDS, type DeviceAckPayload } from '../devices/protocol.js';
import type { DeviceService } from '../devices/service.js';
import type { CommandRow, DeviceIdentity } from '../devices/types.js';
import type { LockerService } from '../lockers/service.js';
import { isBankOnline, type BankRow, type CompartmentRow, type LockerEventRow } from '../lockers/types.js';
import { SECRET_PLACEHOLDER, type NotifyService } from '../notify/service.js';
import { authorize, grantOf } from '../access/authorize.js';
import { viewAs, personView } from '../access/person-view.js';
import { bankScope, grantBeyondScope, inScope, isOperator } from '../access/scope.js';
import type { DoorOpeningView } from '../audit/types.js';
import type { PeopleService } from '../people/service.js';
import type { PersonRow, Viewer } from '../people/types.js';
import { transformIterator } from '../shared/async-iter.js';
import type { Clock } from '../shared/clock.js';
import { badInput, forbidden, notFound } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import type { Logger } from '../shared/logger.js';
import { codeLookup, deriveCode, type PickupSigner } from '../handover/credentials.js';
import type { CodeHolder } from '../handover/redeem.js';
import { PICKUP_CODE_EXPOSURE_CAP } from '../attempts/budgets.js';
import type { AttemptService } from '../attempts/service.js';
import { createPickupGate, type PickupAttempt, type PickupRefused } from '../handover/pickup-gate.js';
import type { ParcelStore } from './store.js';
import { detectCarrier, normaliseTracking } from './tracking.js';
import { doorOutcome } from '../handover/types.js';
import { parcelTopics, SIZE_ORDER, type ParcelRow, type Size } from './types.js';

const DEPOSIT_COMMAND_TTL_MS = 90_000;
const RECALL_COMMAND_TTL_MS = 60_000;
/** A deposit whose door never opened is released after this. */
const DEPOSIT_ABANDON_MS = 3 * 60_000;
const REMINDER_AFTER_MS = 24 * 3_600_000;
const EXPIRY_WARNING_BEFORE_MS = 12 * 3_600_000;

export type IntakeResult =
  | {
      __typename: 'ParcelReserved';
      parcel: ParcelRow;
      compartment: CompartmentRow;
      command: CommandRow;
    }
  | { __typename: 'ParcelSentToDesk'; parcel: ParcelRow; reason: 'LOCKERS_FULL' | 'DEPOSIT_FAILED'; message: string }
  | { __typename: 'ParcelTooBig'; parcel: ParcelRow; message: string }
  | { __typename: 'DuplicateTracking'; existing: ParcelRow | null; message: string }
  | {
      __typename: 'CourierBankFull';
      bank: BankRow;
      cause: CourierBankFullReason;
      alternatives: BankRow[];
      deskLocation: string | null;
      message: string;
    };

export type CourierBankFullReason = 'NO_FREE_COMPARTMENT' | 'TOO_BIG' | 'BANK_OFFLINE';

/**
 * The parcels' controller-event hook: lockers/store's `ControllerEventHook`
 * (asynchronous, awaited inside the events' transaction). Its db work goes
 * through `tx`; `afterCommit` runs once the transaction has committed.
 */
export type ParcelEventHook = (
  tx: Tx,
  event: LockerEventRow,
  compartment: CompartmentRow | undefined,
) => Promise<{ compartment?: CompartmentRow; afterCommit?: () => void | Promise<void> } | void>;

export type PickupResult =
  { __typename: 'PickupOpened'; compartmentLabel: string; command: CommandRow } | PickupRefused;

export type ActionRefusal = 'ALREADY_EXTENDED' | 'NOT_IN_LOCKER' | 'UNKNOWN_PERSON' | 'NOT_ALLOWED' | 'BANK_OFFLINE';
export type ActionResult =
  | { __typename: 'ParcelActionOk'; parcel: ParcelRow; command?: CommandRow | null }
  | { __typename: 'ParcelActionRefused'; reason: ActionRefusal; message: string };

export interface ParcelServiceDeps {
  db: Db;
  store: ParcelStore;
  bus: Bus;
  clock: Clock;
  logger: Logger;
  secret: string;
  signer: PickupSigner;
  lockers: LockerService;
  devices: DeviceService;
  notify: NotifyService;
  audit: AuditService;
  people: PeopleService;
  attempts: AttemptService;
  openCommandTtlMs: number;
  publicWebUrl: string;
  /** Where the mailroom desk is (MAILROOM_DESK_LOCATION), told to couriers sent there; null if not configured. */
  deskLocation: string | null;
}

/**
 * The parcel is back with the mailroom: no door, no live code, no operation.
 * Its QR dies with the code (the lookup is cleared; QR checks need READY).
 */
const atDesk = (deskReason: NonNullable<ParcelRow['deskReason']>) => ({
  status: 'AT_DESK' as const,
  deskReason,
  operation: null,
  operationVia: null,
  doorOpenedAt: null,
  codeLookup: null,
  bankId: null,
  compartmentId: null,
});

/** The proxy as its recipient sees it: the address they entered, under an id of the parcel's (never the person's). */
const addressOnly = (parcel: ParcelRow, address: string): PersonRow => ({
  id: `${parcel.id}:proxy`,
  email: address,
  name: address,
  role: 'STUDENT',
  department: null,
  studentId: null,
  preferredBankId: null,
  needsAccessible: false,
  disabledAt: null,
  createdAt: parcel.createdAt,
});

const refused = (reason: ActionRefusal, message: string): ActionResult => ({
  __typename: 'ParcelActionRefused',
  reason,
  message,
});
const ok = (parcel: ParcelRow, command: CommandRow | null = null): ActionResult => ({
  __typename: 'ParcelActionOk',
  parcel,
  command,
});

export function createParcelService(deps: ParcelServiceDeps) {
  const { db, store, bus, clock, logger, lockers, devices, notify, audit, people, attempts, signer, secret } = deps;
  const gate = createPickupGate({ attempts, devices });

  // --- helpers ----------------------------------------------------------------

  function publish(parcel: ParcelRow) {
    bus.publish(parcelTopics.all, parcel);
    bus.publish(parcelTopics.person(parcel.recipientId), parcel);
    if (parcel.proxyId) bus.publish(parcelTopics.person(parcel.proxyId), parcel);
  }

  /**
   * Work a transaction asked for once it has committed (publishing, alerts,
   * revocations sent to a controller). What is synchronous in `work` runs at
   * once; its promise never rejects (a failure is logged), so a caller that
   * does not await it leaves no unhandled rejection behind.
   */
  const afterCommitted = (work: () => unknown) => async (): Promise<void> => {
    try {
      await work();
    } catch (err) {
      logger.error({ err }, 'parcel work after a commit failed');
    }
  };

  async function siteOf(bankId: string | null) {
    const bank = bankId ? await lockers.store.getBank(bankId) : undefined;
    return bank ? await lockers.store.getSite(bank.siteId) : (await lockers.store.listSites())[0];
  }

  const holdMs = async (bankId: string | null) => ((await siteOf(bankId))?.pickupHoldHours ?? 72) * 3_600_000;
  const timeZone = async (bankId: string | null) => (await siteOf(bankId))?.timezone ?? 'UTC';
  const link = (parcelId: string) => `${deps.publicWebUrl.replace(/\/$/, '')}/parcels#${parcelId}`;

  async function where(parcel: ParcelRow) {
    const bank = parcel.bankId ? await lockers.store.getBank(parcel.bankId) : undefined;
    const compartment = parcel.compartmentId ? await lockers.store.getCompartment(parcel.compartmentId) : undefined;
    return {
      bank,
      compartment,
      text: bank && compartment ? `${bank.name}, compartment ${compartment.label}` : 'the mailroom desk',
    };
  }

  /** The next code for a parcel whose lookup is free among live codes (collisions among 10^8 are rare but real). */
  async function issueCode(tx: Queryable, parcel: ParcelRow): Promise<{ codeVersion: number; codeLookup: string }> {
    for (let v = parcel.codeVersion + 1; ; v++) {
      const lookup = codeLookup(secret, deriveCode(secret, parcel.id, v));
      if (!(await store.codeLookupTaken(tx, lookup))) return { codeVersion: v, codeLookup: lookup };
    }
  }

  /** Everyone who may collect the parcel. */
  function collectors(parcel: ParcelRow): string[] {
    return parcel.proxyId ? [parcel.recipientId, parcel.proxyId] : [parcel.recipientId];
  }

  function canActAsCollector(viewer: Viewer, parcel: ParcelRow) {
    return viewer.personId === parcel.recipientId || viewer.personId === parcel.proxyId;
  }

  /**
   * Whether the viewer may see a parcel, by its `Query.parcel` scope: all;
   * its department's people's; its own (as recipient or proxy, or, for a
   * courier, the one that took it in). Its collectors always may.
   */
  async function canSee(viewer: Viewer, parcel: ParcelRow, recipient?: PersonRow): Promise<boolean> {
    if (canActAsCollector(viewer, parcel)) return true;
    switch (grantOf(viewer, 'Query.parcel')) {
      case 'all':
        return true;
      case 'department': {
        if (!viewer.department) return false;
        const r = recipient ?? (await people.findById(parcel.recipientId));
        return r?.department === viewer.department;
      }
      case 'own':
        return parcel.createdBy === viewer.personId;
      default:
        return false;
    }
  }

  /** A parcel the viewer may see, or NOT_FOUND: one out of reach looks like one that does not exist. */
  async function findVisible(v: Viewer, id: string): Promise<ParcelRow> {
    const parcel = await store.get(id);
    if (!parcel || !(await canSee(v, parcel))) throw notFound('Parcel');
    return parcel;
  }

  /**
   * Door openings the viewer may see: all of a parcel's for its collectors
   * (and operators); otherwise those at banks in the viewer's scope, with the
   * parcel left out where the viewer may not see the parcel.
   */
  async function visibleOpenings(v: Viewer, rows: DoorOpeningView[], parcel?: ParcelRow): Promise<DoorOpeningView[]> {
    if (isOperator(v) || (parcel && canActAsCollector(v, parcel))) return rows;
    const scope = bankScope(v);
    const banks = new Map<string, boolean>();
    const bankVisible = async (id: string) => {
      let ok = banks.get(id);
      if (ok === undefined) {
        const bank = await lockers.store.getBank(id);
        banks.set(id, (ok = !!bank && inScope(scope, bank)));
      }
      return ok;
    };
    const visible: DoorOpeningView[] = [];
    for (const o of rows) {
      if (!(await bankVisible(o.bankId))) continue;
      if (!o.parcelId || o.parcelId === parcel?.id) {
        visible.push(o);
        continue;
      }
      const of = await store.get(o.parcelId);
      visible.push(of && (await canSee(v, of)) ? o : { ...o, parcelId: null });
    }
    return visible;
  }

  /**
   * Revokes the parcel's current QR token, inside the caller's transaction: it
   * is recorded (and so listed in every connection_ack while it could still
   * verify), and the function returned, run after the commit, sends
   * REVOKE_PICKUP_TOKEN to the controller if it is connected. An offline QR is
   * a bearer credential until it expires: it must die at the controller the
   * moment the parcel is collected or the people who may collect it change.
   * Null when there is nothing to revoke, or it was revoked before.
   */
  async function revokeQr(
    tx: Queryable,
    parcel: ParcelRow,
    at: Date,
    usedAt?: Date,
  ): Promise<(() => Promise<void>) | null> {
    if (!parcel.qrTokenId) return null;
    const known = await store.token(tx, parcel.qrTokenId);
    // A parcel at the desk has no bank any more; its token row remembers it.
    const bankId = parcel.bankId ?? known?.bankId;
    if (!bankId || known?.revokedAt) return null;
    const expiresAt = known?.expiresAt ?? parcel.expiresAt ?? at;
    await store.upsertToken(tx, {
      id: parcel.qrTokenId,
      parcelId: parcel.id,
      bankId,
      revokedAt: at,
      ...(usedAt ? { usedAt } : {}),
      expiresAt,
    });
    const { compartmentId, qrTokenId } = parcel;
    return afterCommitted(async () => {
      const compartment = compartmentId ? await lockers.store.getCompartment(compartmentId) : undefined;
      if (compartment) await devices.sendRevocation(bankId, compartment.id, compartment.label, qrTokenId, expiresAt);
    });
  }

  async function noticeReady(tx: Queryable, parcel: ParcelRow, kind: string, lead: string) {
    const place = (await where(parcel)).text;
    const zone = await timeZone(parcel.bankId);
    const until = parcel.expiresAt
      ? new Intl.DateTimeFormat('en-GB', {
          timeZone: zone,
          weekday: 'short',
          day: 'numeric',
          month: 'short',
          hour: '2-digit',
          minute: '2-digit',
          timeZoneName: 'short',
        }).format(parcel.expiresAt)
      : '';
    for (const personId of collectors(parcel)) {
      await notify.enqueue(tx, {
        personId,
        dedupeKey: `parcel:${parcel.id}:${kind}:v${parcel.codeVersion}:${personId}`,
        subject: `${lead}: ${place}`,
        // The code stays out of the text at rest; the outbox puts it in when sending (then forgets it).
        body: `${lead} — ${place}. Pickup code ${SECRET_PLACEHOLDER} (keypad), or show the QR in the Baylight app, or open it from the app at the locker. Collect by ${until}.`,
        secret: deriveCode(secret, parcel.id, parcel.codeVersion),
        url: link(parcel.id),
        timeZone: zone,
      });
    }
  }

  /**
   * What a courier at a bank that cannot take the parcel is told: the site's
   * other banks of theirs that are online with a fitting compartment free now,
   * or the mailroom desk. Reads only: nothing is recorded, nobody is notified.
   */
  async function courierBankFull(
    courierId: string,
    bank: BankRow,
    cause: CourierBankFullReason,
    size: Size,
  ): Promise<Extract<IntakeResult, { __typename: 'CourierBankFull' }>> {
    const candidates: BankRow[] = [];
    for (const id of await store.courierBankIds(courierId)) {
      if (id === bank.id) continue;
      const b = await lockers.store.getBank(id);
      if (b && b.siteId === bank.siteId && (await devices.isOnline(b.id))) candidates.push(b);
    }
    const free = await store.banksWithFreeFitting(
      candidates.map((b) => b.id),
      size,
    );
    const alternatives = candidates.filter((b) => free.has(b.id)).sort((a, b) => a.name.localeCompare(b.name));
    const why = {
      NO_FREE_COMPARTMENT: `No compartment that takes size ${size} is free at ${bank.name} right now.`,
      TOO_BIG: `No compartment at ${bank.name} takes size ${size}.`,
      BANK_OFFLINE: `${bank.name} is not connected right now, so no door can open.`,
    }[cause];
    const desk = `the mailroom desk${deps.deskLocation ? ` (${deps.deskLocation})` : ''}`;
    const where = alternatives.length
      ? `take it to ${alternatives.map((b) => (b.location ? `${b.name} (${b.location})` : b.name)).join(' or ')}, or to ${desk}`
      : `take it to ${desk}`;
    return {
      __typename: 'CourierBankFull',
      bank,
      cause,
      alternatives,
      deskLocation: deps.deskLocation,
      message: `${why} Nothing was recorded and the recipient was not told: ${where}.`,
    };
  }

  async function noticeDesk(tx: Queryable, parcel: ParcelRow, kind: string, text: string) {
    await notify.enqueue(tx, {
      personId: parcel.recipientId,
      dedupeKey: `parcel:${parcel.id}:${kind}`,
      subject: 'Your parcel is at the mailroom desk',
      body: `${text} Tracking ${parcel.tracking}. Bring your student or staff card.`,
      url: link(parcel.id),
      timeZone: await timeZone(parcel.bankId),
    });
  }

  // --- the controller drives the parcel --------------------------------------

  /** Inside the event transaction: deposit confirmed, pickup done, recall done, or nothing. */
  const onControllerEvent: ParcelEventHook = async (tx, event, compartment) => {
    if (!compartment) return;
    if (event.kind === 'PICKUP_QR_OFFLINE') return offlineQrReported(tx, event, compartment);
    if (event.kind === 'EMPTY' && compartment.state === 'AVAILABLE') {
      // The sensor rule frees an IN_USE compartment that reads empty; while a
      // parcel is booked into it (and no pickup is under way) it stays IN_USE.
      const held = await store.activeInCompartment(tx, compartment.id);
      if (held?.status === 'READY_FOR_PICKUP' && held.operation !== 'PICKUP') {
        return {
          compartment: await lockers.store.updateCompartmentIn(
            tx,
            compartment.id,
            { state: 'IN_USE' },
            event.receivedAt,
          ),
        };
      }
      return;
    }
    if (event.kind !== 'DOOR_OPENED' && event.kind !== 'DOOR_CLOSED') return;
    const parcel = await store.activeInCompartment(tx, compartment.id);
    if (!parcel) return;
    // What the door did to the operation under way is the handover core's to say.
    const outcome = doorOutcome(parcel, event.kind, compartment.occupancy);
    if (!outcome) return;
    const at = event.receivedAt;

    if (outcome.kind === 'OPENED') {
      const updated = await store.update(tx, parcel.id, { doorOpenedAt: event.occurredAt }, at);
      return { afterCommit: () => publish(updated) };
    }

    if (outcome.kind === 'DEPOSITED' || outcome.kind === 'DEPOSIT_EMPTY') {
      if (outcome.kind === 'DEPOSIT_EMPTY') {
        // The bank senses occupancy and saw nothing go in.
        const updated = await store.update(tx, parcel.id, atDesk('DEPOSIT_FAILED'), at);
        const freed = await lockers.store.updateCompartmentIn(tx, compartment.id, { state: 'AVAILABLE' }, at);
        return {
          compartment: freed,
          afterCommit: afterCommitted(async () => {
            publish(updated);
            await audit.raise({
              kind: 'DEPOSIT_FAILED',
              bankId: compartment.bankId,
              compartmentLabel: compartment.label,
              parcelId: parcel.id,
              message: `Deposit of ${parcel.tracking} into ${compartment.label}: the door closed with nothing inside. The parcel is back with the mailroom.`,
            });
          }),
        };
      }
      const code = await issueCode(tx, parcel);
      const expiresAt = new Date(at.getTime() + (await holdMs(parcel.bankId)));
      const updated = await store.update(
        tx,
        parcel.id,
        {
          status: 'READY_FOR_PICKUP',
          depositedAt: at,
          expiresAt,
          operation: null,
          operationVia: null,
          doorOpenedAt: null,
          qrTokenId: newId('qr'),
          ...code,
          codeExposureBase: await codeExposureNow(parcel.bankId),
        },
        at,
      );
      const inUse = await lockers.store.updateCompartmentIn(tx, compartment.id, { state: 'IN_USE' }, at);
      await noticeReady(tx, updated, 'ready', 'Your parcel is ready');
      return {
        compartment: inUse,
        afterCommit: afterCommitted(() => {
          publish(updated);
          notify.kick();
        }),
      };
    }

    // PICKUP or RECALL: the door closed after opening.
    if (outcome.kind === 'NOT_TAKEN') {
      // Opened but not taken: the parcel is still there and can be collected again.
      const updated = await store.update(
        tx,
        parcel.id,
        { operation: null, operationVia: null, doorOpenedAt: null },
        at,
      );
      return { afterCommit: () => publish(updated) };
    }
    const freed = await lockers.store.updateCompartmentIn(tx, compartment.id, { state: 'AVAILABLE' }, at);
    // However the parcel left (code, QR, remote, recall), its QR dies at the controller now.
    const revoked = await revokeQr(tx, parcel, at, at);
    if (outcome.operation === 'RECALL') {
      const updated = await store.update(tx, parcel.id, atDesk('RECALLED'), at);
      await noticeDesk(
        tx,
        updated,
        'recalled',
        'Your parcel was not collected in time and is now at the mailroom desk.',
      );
      return {
        compartment: freed,
        afterCommit: afterCommitted(async () => {
          publish(updated);
          await revoked?.();
          notify.kick();
        }),
      };
    }
    const method = (parcel.operationVia ?? 'CODE') as NonNullable<ParcelRow['pickupMethod']>;
    const updated = await store.update(
      tx,
      parcel.id,
      {
        status: 'PICKED_UP',
        pickedUpAt: at,
        pickupMethod: method,
        operation: null,
        doorOpenedAt: null,
        codeLookup: null,
      },
      at,
    );
    return {
      compartment: freed,
      afterCommit: afterCommitted(async () => {
        publish(updated);
        await revoked?.();
      }),
    };
  };

  /** A controller opened a door for a QR it verified itself while offline, and says so now. */
  async function offlineQrReported(
    tx: Tx,
    event: LockerEventRow,
    compartment: CompartmentRow,
  ): Promise<{ afterCommit: () => void | Promise<void> }> {
    const token = event.detail ?? '';
    // The signature was checked before the batch (prepareControllerEvents): no crypto in the transaction.
    const claims = verifiedOffline.get(offlineKey(token, event.occurredAt));
    const at = event.receivedAt;
    await audit.recordReportedOpening(tx, {
      id: newId('rop'),
      bankId: compartment.bankId,
      label: compartment.label,
      via: 'QR_OFFLINE',
      parcelId: claims?.sub ?? null,
      at: event.occurredAt,
      detail: claims ? `token ${claims.jti}` : 'token not verifiable',
    });
    const parcel = claims ? await store.getIn(tx, claims.sub) : undefined;
    const used = claims ? await store.token(tx, claims.jti) : undefined;
    const active = claims ? await store.activeInCompartment(tx, compartment.id) : undefined;
    const problem = !claims
      ? 'a token the server cannot verify'
      : claims.bank !== compartment.bankId || claims.cmp !== compartment.label
        ? 'a token for another door'
        : claims.dep !== active?.id
          ? 'a token for an earlier deposit in this compartment'
          : used?.usedAt
            ? 'a token already used'
            : used?.revokedAt || !parcel || parcel.status !== 'READY_FOR_PICKUP' || parcel.qrTokenId !== claims.jti
              ? 'a revoked token'
              : claims.exp * 1000 < event.occurredAt.getTime() - PICKUP_QR_CLOCK_SKEW_SECONDS * 1000
                ? 'an expired token'
                : null;
    if (problem || !claims || !parcel) {
      return {
        afterCommit: afterCommitted(() =>
          audit.raise({
            kind: 'QR_REUSED',
            bankId: compartment.bankId,
            compartmentLabel: compartment.label,
            parcelId: claims?.sub ?? null,
            message: `${compartment.label}: the controller opened the door offline for ${problem ?? 'an unknown token'}. Check the compartment.`,
          }),
        ),
      };
    }
    await store.upsertToken(tx, {
      id: claims.jti,
      parcelId: parcel.id,
      bankId: compartment.bankId,
      usedAt: at,
      expiresAt: new Date(claims.exp * 1000),
    });
    const updated = await store.update(
      tx,
      parcel.id,
      { operation: 'PICKUP', operationVia: 'QR_OFFLINE', operationAt: event.occurredAt, doorOpenedAt: null },
      at,
    );
    return { afterCommit: () => publish(updated) };
  }

  /**
   * Offline QR tokens are verified before the event transaction (a signature
   * check is CPU work that must not hold the transaction open, and a retried
   * PostgreSQL transaction would repeat it) and looked up here.
   */
  const verifiedOffline = new Map<string, Awaited<ReturnType<PickupSigner['verify']>>>();
  /** A token is judged as of the event's time on the server's time line (PROTOCOL.md 6), so that time is in the key. */
  const offlineKey = (token: string, occurredAt: Date) => `${occurredAt.getTime()} ${token}`;

  // --- pickup at the locker ---------------------------------------------------

  /** A wrong QR: counted (wrong codes are counted on the shared redeem path, handover/redeem.ts). */
  async function pickupFailed(attempt: PickupAttempt): Promise<PickupResult> {
    return (await gate.fail(attempt)).refusal;
  }

  /**
   * Wrong codes typed at a bank are guesses at every code waiting there,
   * whatever door they name: each code's exposure is the bank's failures
   * since it was issued. Past the cap the code is replaced and its recipient
   * sent the new one.
   */
  async function reissueOverexposedCodes(bankId: string, bankTotal: number) {
    for (const parcel of await store.overexposed(bankId, bankTotal - PICKUP_CODE_EXPOSURE_CAP)) {
      const updated = await db.transaction(async (tx) => {
        const fresh = await store.getIn(tx, parcel.id);
        if (fresh?.status !== 'READY_FOR_PICKUP') return null;
        return reissueCode(tx, fresh, 'code-reissued', 'Your parcel has a new pickup code');
      });
      if (!updated) continue;
      publish(updated);
      await audit.raise({
        kind: 'LOCKOUT',
        bankId,
        parcelId: updated.id,
        message: `${PICKUP_CODE_EXPOSURE_CAP} wrong codes were tried at this bank since parcel ${updated.tracking}'s code was issued: its code was replaced and the recipient sent the new one.`,
      });
    }
    notify.kick();
  }

  /**
   * Replaces a waiting parcel's code (the old one stops working at once) and
   * tells its collectors the new one. Inside the caller's transaction.
   */
  async function reissueCode(tx: Tx, parcel: ParcelRow, kind: string, lead: string): Promise<ParcelRow> {
    const code = await issueCode(tx, parcel);
    const updated = await store.update(
      tx,
      parcel.id,
      { ...code, codeExposureBase: await codeExposureNow(parcel.bankId) },
      clock.now(),
    );
    await noticeReady(tx, updated, kind, lead);
    return updated;
  }

  /**
   * Sets who else may collect the parcel. When a proxy is removed or
   * replaced, what they saved must open nothing: the code is re-issued (its
   * collectors are sent the new one) and the QR revoked at the controller,
   * with a new token id for the people who still may collect.
   */
  async function setProxy(parcel: ParcelRow, proxyId: string | null, now: Date): Promise<ParcelRow> {
    // Returned from the transaction, not set from inside it: PostgreSQL may run it more than once.
    const { updated, revoked } = await db.transaction(async (tx) => {
      const fresh = (await store.getIn(tx, parcel.id)) ?? parcel;
      const withdrawn = !!fresh.proxyId && fresh.proxyId !== proxyId;
      if (!withdrawn || fresh.status !== 'READY_FOR_PICKUP') {
        const u = await store.update(tx, fresh.id, { proxyId }, now);
        if (proxyId && u.status === 'READY_FOR_PICKUP')
          await noticeReady(tx, u, `proxy-${proxyId}`, 'A parcel was shared with you');
        return { updated: u, revoked: null };
      }
      const revoked = await revokeQr(tx, fresh, now);
      const u = await store.update(tx, fresh.id, { proxyId, qrTokenId: newId('qr') }, now);
      const updated = proxyId
        ? await reissueCode(tx, u, `proxy-${proxyId}`, 'A parcel was shared with you')
        : await reissueCode(tx, u, 'proxy-removed', 'Your parcel has a new pickup code');
      return { updated, revoked };
    });
    await revoked?.();
    return updated;
  }

  /** The bank's failure count now: a newly issued code's exposure starts here. */
  const codeExposureNow = async (bankId: string | null): Promise<number> =>
    bankId ? await attempts.total('PICKUP_CODE', 'bank', bankId) : 0;

  async function openForPickup(
    parcel: ParcelRow,
    via: 'CODE' | 'QR' | 'REMOTE',
    requestedBy: string | null,
    ttlMs: number,
  ): Promise<PickupResult | null> {
    const compartment = parcel.compartmentId ? await lockers.store.getCompartment(parcel.compartmentId) : undefined;
    if (!compartment || !parcel.bankId) return null;
    const result = await devices.requestOpen({
      bankId: parcel.bankId,
      label: compartment.label,
      via,
      requestedBy,
      reason: null,
      ttlMs,
      parcelId: parcel.id,
    });
    if (result.__typename !== 'CommandIssued') return null;
    const updated = await db.transaction((tx) =>
      store.update(
        tx,
        parcel.id,
        { operation: 'PICKUP', operationVia: via, operationAt: clock.now(), doorOpenedAt: null },
        clock.now(),
      ),
    );
    publish(updated);
    return { __typename: 'PickupOpened', compartmentLabel: compartment.label, command: result.command };
  }

  function redeemable(parcel: ParcelRow | undefined, bankId: string): parcel is ParcelRow {
    const now = clock.now();
    return (
      !!parcel &&
      parcel.status === 'READY_FOR_PICKUP' &&
      parcel.bankId === bankId &&
      !!parcel.expiresAt &&
      parcel.expiresAt > now
    );
  }

  // --- sweeps -------------------------------------------------------------------

  async function sweep() {
    const now = clock.now();
    for (const parcel of await store.expired(now)) {
      const result = await db.transaction(async (tx) => {
        const fresh = await store.getIn(tx, parcel.id);
        if (fresh?.status !== 'READY_FOR_PICKUP') return null;
        const after = await revokeQr(tx, fresh, now);
        const u = await store.update(tx, fresh.id, { status: 'RECALL_PENDING', codeLookup: null }, now);
        await noticeDesk(
          tx,
          u,
          'expired',
          'Your parcel was not collected in time; the mailroom will take it back to the desk.',
        );
        return { u, after };
      });
      if (result) {
        publish(result.u);
        await result.after?.();
        logger.info({ parcelId: parcel.id }, 'pickup window over: recall task created');
      }
    }
    // Every step checks again in its transaction what the list read before it: another
    // instance's sweep may have done it meanwhile, and each is done once across the cluster.
    for (const parcel of await store.needingReminder(new Date(now.getTime() - REMINDER_AFTER_MS))) {
      const updated = await db.transaction(async (tx) => {
        const fresh = await store.getIn(tx, parcel.id);
        if (fresh?.status !== 'READY_FOR_PICKUP' || fresh.reminderSentAt) return null;
        const u = await store.update(tx, parcel.id, { reminderSentAt: now }, now);
        await noticeReady(tx, u, 'reminder', 'Reminder: your parcel is waiting');
        return u;
      });
      if (updated) publish(updated);
    }
    for (const parcel of await store.needingExpiryWarning(new Date(now.getTime() + EXPIRY_WARNING_BEFORE_MS))) {
      const updated = await db.transaction(async (tx) => {
        const fresh = await store.getIn(tx, parcel.id);
        if (fresh?.status !== 'READY_FOR_PICKUP' || fresh.expiryWarningSentAt) return null;
        const u = await store.update(tx, parcel.id, { expiryWarningSentAt: now }, now);
        await noticeReady(tx, u, 'expiring', 'Last call: your parcel goes back to the desk soon');
        return u;
      });
      if (updated) publish(updated);
    }
    for (const parcel of await store.staleDeposits(new Date(now.getTime() - DEPOSIT_ABANDON_MS))) {
      const result = await db.transaction(async (tx) => {
        const fresh = await store.getIn(tx, parcel.id);
        if (fresh?.status !== 'AWAITING_DEPOSIT' || fresh.doorOpenedAt || !fresh.compartmentId) return null;
        const c = await lockers.store.updateCompartmentIn(tx, fresh.compartmentId, { state: 'AVAILABLE' }, now);
        const u = await store.update(tx, fresh.id, atDesk('DEPOSIT_FAILED'), now);
        return { u, c };
      });
      if (result) {
        publish(result.u);
        lockers.publishCompartments([result.c]);
        await audit.raise({
          kind: 'DEPOSIT_FAILED',
          bankId: parcel.bankId,
          message: `Deposit of ${parcel.tracking}: the door never opened. The compartment is free again and the parcel is back at the desk.`,
          parcelId: parcel.id,
        });
      }
    }
    notify.kick();
  }

  return {
    store,
    onControllerEvent,
    sweep,

    /** The parcels' part of a controller's connection_ack (PROTOCOL.md, 1): deposits, keys, revocations. */
    async controllerAck(bank: {
      id: string;
    }): Promise<Pick<DeviceAckPayload, 'compartments' | 'pickupKeys' | 'revokedPickupTokens'>> {
      const deposits = await store.depositsInBank(bank.id);
      return {
        compartments: (await lockers.store.compartmentsByBankIds([bank.id])).map((c) => ({
          label: c.label,
          size: c.size,
          hasCharging: c.hasCharging,
          depositId: deposits.get(c.id) ?? null,
        })),
        pickupKeys: signer.publicKeys().map((k) => ({
          kid: k.kid,
          alg: k.alg,
          jwk: k.jwk,
          retiresAt: k.retiresAt?.toISOString() ?? null,
        })),
        revokedPickupTokens: await store.revokedTokensForBank(
          bank.id,
          clock.now(),
          PICKUP_QR_CLOCK_SKEW_SECONDS * 1000,
        ),
      };
    },

    /** Verifies the offline-QR tokens in a batch before it is stored (see verifiedOffline). */
    async prepareControllerEvents(events: readonly { kind: string; detail: string | null; occurredAt: Date }[]) {
      for (const e of events) {
        if (e.kind !== 'PICKUP_QR_OFFLINE' || !e.detail) continue;
        const key = offlineKey(e.detail, e.occurredAt);
        if (verifiedOffline.has(key)) continue;
        // The door opened at occurredAt, not now: the key must have been live then, and `exp`
        // is judged against it, with the controller's slack, in offlineQrReported.
        verifiedOffline.set(key, await signer.verify(e.detail, { at: e.occurredAt, checkExpiry: false }));
        if (verifiedOffline.size > 1000) verifiedOffline.delete(verifiedOffline.keys().next().value as string);
      }
    },

    /** `Query.parcel`: a parcel the viewer may see, or NOT_FOUND. */
    visibleParcel(viewer: Viewer | null, id: string): Promise<ParcelRow> {
      return findVisible(authorize(viewer, 'Query.parcel'), id);
    },
    canSee,
    canActAsCollector,

    /**
     * What a field leading from a parcel to its bank or compartment shows:
     * the row when the bank is in the viewer's scope; a collector always
     * learns where its own parcel is (the notice it got names the place);
     * null otherwise.
     */
    placeFor<T extends object>(viewer: Viewer | null, parcel: ParcelRow, bank: BankRow, row: T): T | null {
      if (inScope(bankScope(viewer), bank)) return row;
      return viewer && canActAsCollector(viewer, parcel) ? grantBeyondScope(row) : null;
    },

    /** The recipient as this viewer may see them: the other party of a shared parcel sees the name. */
    recipientFor(viewer: Viewer | null, parcel: ParcelRow, recipient: PersonRow): PersonRow {
      const view = personView(viewer, recipient);
      return view === 'none' && viewer && canActAsCollector(viewer, parcel) ? viewAs(recipient, 'name') : recipient;
    },

    /**
     * The proxy as this viewer may see them. The recipient sees only the
     * address they entered, under an id of the parcel's, whether or not it
     * belongs to an account (shareWithProxy answers the same either way), so
     * sharing never tells them who has an account or what role. A proxy sees
     * itself; operators see the person; a department only its own people.
     * (A recipient who is an operator too sees it as a recipient: the card
     * they see is the same as everyone's.)
     */
    proxyFor(viewer: Viewer | null, parcel: ParcelRow, proxy: PersonRow | null): PersonRow | null {
      if (viewer && viewer.personId === parcel.recipientId && viewer.personId !== parcel.proxyId) {
        const address = parcel.proxyEmail ?? proxy?.email ?? null;
        return address ? viewAs(addressOnly(parcel, address), 'address') : null;
      }
      if (!proxy) return null;
      const view = personView(viewer, proxy);
      return view === 'none' ? null : proxy;
    },

    /** `Parcel.doorOpenings`: the parcel's openings the viewer may see (the parcel was reached already). */
    async parcelDoorOpenings(viewer: Viewer | null, parcel: ParcelRow, limit: number) {
      if (!viewer || !(await canSee(viewer, parcel))) return [];
      return visibleOpenings(viewer, await audit.store.doorOpenings({ parcelId: parcel.id }, limit), parcel);
    },

    pickupCode(viewer: Viewer | null, parcel: ParcelRow): string | null {
      if (!viewer || !canActAsCollector(viewer, parcel) || parcel.status !== 'READY_FOR_PICKUP' || !parcel.codeLookup)
        return null;
      return deriveCode(secret, parcel.id, parcel.codeVersion);
    },

    async pickupQrToken(viewer: Viewer | null, parcel: ParcelRow): Promise<string | null> {
      if (!viewer || !canActAsCollector(viewer, parcel) || parcel.status !== 'READY_FOR_PICKUP') return null;
      const compartment = parcel.compartmentId ? await lockers.store.getCompartment(parcel.compartmentId) : undefined;
      if (!compartment || !parcel.qrTokenId || !parcel.expiresAt) return null;
      return signer.sign({
        sub: parcel.id,
        // One deposit per parcel: the parcel id names the deposit.
        dep: parcel.id,
        bank: compartment.bankId,
        cmp: compartment.label,
        jti: parcel.qrTokenId,
        exp: Math.floor(parcel.expiresAt.getTime() / 1000),
      });
    },

    /**
     * Who opened which door, how, when: operators see all; a collector their
     * parcel's; a department one of its banks' (and its people's parcels'
     * openings at its banks).
     */
    async doorOpenings(
      viewer: Viewer | null,
      filter: { bankId?: string | null; parcelId?: string | null },
      limit: number,
    ): Promise<DoorOpeningView[]> {
      const v = authorize(viewer, 'Query.doorOpenings');
      const scope = grantOf(v, 'Query.doorOpenings');
      const capped = Math.min(Math.max(limit, 1), 500);
      if (filter.parcelId) {
        const parcel = await findVisible(v, filter.parcelId);
        return visibleOpenings(v, await audit.store.doorOpenings(filter, capped), parcel);
      }
      if (scope === 'all') return audit.store.doorOpenings(filter, capped);
      if (scope === 'department' && filter.bankId) {
        if (!(await lockers.visibleBank(v, filter.bankId))) throw notFound('Locker bank');
        return visibleOpenings(v, await audit.store.doorOpenings(filter, capped));
      }
      throw badInput(scope === 'department' ? 'Say which bank (bankId).' : 'Say which parcel (parcelId).');
    },

    async myParcels(viewer: Viewer | null) {
      const v = authorize(viewer, 'Query.myParcels');
      return store.forPerson(v.personId);
    },

    async search(
      viewer: Viewer | null,
      filter: { status?: ParcelRow['status'] | null; bankId?: string | null; search?: string | null },
      limit: number,
    ) {
      const v = authorize(viewer, 'Query.parcels');
      const capped = Math.min(Math.max(limit, 1), 500);
      if (grantOf(v, 'Query.parcels') === 'all') return store.search(filter, capped);
      // A department: its people's parcels, and none "at" a bank it may not see.
      if (!v.department || (filter.bankId && !(await lockers.visibleBank(v, filter.bankId)))) return [];
      return store.search({ ...filter, department: v.department }, capped);
    },

    /** Takes a parcel in: reserves a compartment and opens its door, or sends the parcel to the desk. */
    async intake(
      viewer: Viewer | null,
      input: {
        tracking: string;
        recipientId: string;
        size?: Size | null;
        force?: boolean | null;
        bankId?: string | null;
      },
    ): Promise<IntakeResult> {
      const v = authorize(viewer, 'Mutation.intakeParcel');
      // A courier (scope own) drops off only at the banks an admin assigned it.
      const ownBanksOnly = grantOf(v, 'Mutation.intakeParcel') === 'own';
      const tracking = input.tracking.trim().replace(/\s+/g, ' ');
      if (!tracking || tracking.length > 80)
        throw badInput('Scan or type a tracking number (at most 80 characters).', { field: 'tracking' });
      const recipient = await people.findById(input.recipientId);
      if (!recipient) throw notFound('Recipient');
      const size: Size = input.size ?? 'M';

      // The banks to try, in order, as read here: their status says which are online (one read per intake).
      let banks: BankRow[];
      // The bank a courier stands at. A courier's parcel never goes "to the desk" from here: the
      // courier still holds it, so nothing is recorded and nobody is told until it is really
      // in a locker or really handed in at the desk (CourierBankFull says where to take it).
      let courierAt: BankRow | undefined;
      if (ownBanksOnly) {
        if (!input.bankId) throw badInput('Couriers drop off at one bank: choose it.', { field: 'bankId' });
        if (!(await store.courierBankIds(v.personId)).includes(input.bankId))
          throw forbidden('You may not drop off at this bank.');
        courierAt = await lockers.store.getBank(input.bankId);
        if (!courierAt) throw notFound('Locker bank');
        banks = [courierAt];
      } else {
        const first = input.bankId ?? recipient.preferredBankId;
        const firstBank = first ? await lockers.store.getBank(first) : undefined;
        const siteId = firstBank?.siteId ?? (await lockers.store.listSites())[0]?.id;
        const onSite = siteId ? (await lockers.store.listBanks(siteId)).filter((b) => b.id !== firstBank?.id) : [];
        banks = [...(firstBank ? [firstBank] : []), ...onSite];
      }
      const now = clock.now();
      const row = {
        id: newId('pcl'),
        tracking,
        trackingKey: normaliseTracking(tracking),
        carrier: detectCarrier(tracking),
        recipientId: recipient.id,
        proxyId: null,
        proxyEmail: null,
        size,
        createdBy: v.personId,
        createdAt: now,
        depositedAt: null,
        expiresAt: null,
        extended: false,
        pickedUpAt: null,
        pickupMethod: null,
        operation: null,
        operationVia: null,
        operationAt: null,
        doorOpenedAt: null,
        codeVersion: 0,
        codeLookup: null,
        qrTokenId: null,
        codeExposureBase: 0,
        reminderSentAt: null,
        expiryWarningSentAt: null,
        updatedAt: now,
      };

      const sizes = await lockers.store.sizesIn(banks.map((b) => b.id));
      const largest = Math.max(-1, ...sizes.map((s) => SIZE_ORDER.indexOf(s)));
      if (SIZE_ORDER.indexOf(size) > largest) {
        if (courierAt) return courierBankFull(v.personId, courierAt, 'TOO_BIG', size);
        const parcel = await db.transaction(async (tx) => {
          const p = await store.insert(tx, { ...row, ...atDesk('TOO_BIG') });
          await noticeDesk(
            tx,
            p,
            'desk',
            'A parcel for you is too big for the lockers and waits at the mailroom desk.',
          );
          return p;
        });
        publish(parcel);
        notify.kick();
        return {
          __typename: 'ParcelTooBig',
          parcel,
          message: `Size ${size} is larger than every compartment here: keep it at the desk. ${recipient.name} has been told.`,
        };
      }

      const online = banks.filter(isBankOnline).map((b) => b.id);
      if (courierAt && online.length === 0) return courierBankFull(v.personId, courierAt, 'BANK_OFFLINE', size);
      const outcome = await store.takeIn({
        parcel: row,
        bankIds: online,
        needsAccessible: recipient.needsAccessible,
        force: !!input.force,
        at: now,
        whenFull: courierAt ? 'none' : 'desk',
      });
      if (outcome.kind === 'duplicate') {
        // Someone else's parcel (a courier's view of another's intake) is not shown: only that it exists.
        const existing = (await canSee(v, outcome.existing)) ? outcome.existing : null;
        const status = existing ? ` (${existing.status.toLowerCase().replaceAll('_', ' ')})` : '';
        return {
          __typename: 'DuplicateTracking',
          existing,
          message: `Tracking ${tracking} was taken in already${status}. Take it in again only if it is really a second parcel.`,
        };
      }
      if (outcome.kind === 'none') {
        // Only a courier asks for this (whenFull: 'none').
        return courierBankFull(v.personId, courierAt!, 'NO_FREE_COMPARTMENT', size);
      }
      if (outcome.kind === 'desk') {
        await db.transaction((tx) =>
          noticeDesk(
            tx,
            outcome.parcel,
            'desk',
            'A parcel for you is waiting at the mailroom desk (the lockers are full).',
          ),
        );
        publish(outcome.parcel);
        notify.kick();
        return {
          __typename: 'ParcelSentToDesk',
          parcel: outcome.parcel,
          reason: 'LOCKERS_FULL',
          message: `No fitting compartment is free on this site: keep it at the desk. ${recipient.name} has been told.`,
        };
      }
      lockers.publishCompartments([outcome.compartment]);
      const open = await devices.requestOpen({
        bankId: outcome.compartment.bankId,
        label: outcome.compartment.label,
        via: v.role === 'COURIER' ? 'COURIER_DEPOSIT' : 'DEPOSIT',
        requestedBy: v.personId,
        reason: null,
        ttlMs: DEPOSIT_COMMAND_TTL_MS,
        parcelId: outcome.parcel.id,
      });
      if (open.__typename !== 'CommandIssued' && courierAt) {
        // The bank dropped off between the check and the command: the courier still has the parcel.
        const freed = await store.discardReservation(outcome.parcel.id, outcome.compartment.id, now);
        if (freed) lockers.publishCompartments([freed]);
        return courierBankFull(v.personId, courierAt, 'BANK_OFFLINE', size);
      }
      if (open.__typename !== 'CommandIssued') {
        // The bank dropped off between the check and the command: release and send to the desk.
        const result = await db.transaction(async (tx) => {
          const c = await lockers.store.updateCompartmentIn(tx, outcome.compartment.id, { state: 'AVAILABLE' }, now);
          const p = await store.update(tx, outcome.parcel.id, atDesk('DEPOSIT_FAILED'), now);
          await noticeDesk(tx, p, 'desk', 'A parcel for you is waiting at the mailroom desk.');
          return { c, p };
        });
        lockers.publishCompartments([result.c]);
        publish(result.p);
        notify.kick();
        return {
          __typename: 'ParcelSentToDesk',
          parcel: result.p,
          reason: 'DEPOSIT_FAILED',
          message: `${open.message} Keep the parcel at the desk.`,
        };
      }
      publish(outcome.parcel);
      return {
        __typename: 'ParcelReserved',
        parcel: outcome.parcel,
        compartment: outcome.compartment,
        command: open.command,
      };
    },

    /** The parcels' codes, for the shared redeem path (handover/redeem.ts). */
    codeHolder: {
      async find(lookup: string, bankId: string) {
        const parcel = await store.byCodeLookup(lookup);
        if (!redeemable(parcel, bankId)) return undefined;
        return {
          itemId: parcel.id,
          open: () => openForPickup(parcel, 'CODE', null, deps.openCommandTtlMs),
        };
      },
      async reissueOverexposed(bankId: string, bankTotal: number) {
        await reissueOverexposedCodes(bankId, bankTotal);
      },
    } satisfies CodeHolder,

    async redeemQr(
      viewer: Viewer | null,
      device: DeviceIdentity | null,
      token: string,
      client: string | null,
    ): Promise<PickupResult> {
      const begun = await gate.begin('PICKUP_QR', viewer, device, client);
      if (!begun.ok) return begun.result;
      const { bankId, attempt } = begun;
      const claims = token.length < 2000 ? await signer.verify(token) : null;
      const parcel = claims ? await store.get(claims.sub) : undefined;
      const tokenRow = claims ? await store.token(db.read, claims.jti) : undefined;
      if (
        !claims ||
        !redeemable(parcel, bankId) ||
        claims.dep !== parcel.id ||
        parcel.qrTokenId !== claims.jti ||
        tokenRow?.usedAt ||
        tokenRow?.revokedAt
      ) {
        return pickupFailed(attempt);
      }
      const opened = await openForPickup(parcel, 'QR', null, deps.openCommandTtlMs);
      await attempt.succeed(parcel.id);
      if (!opened) return gate.refuse();
      // A QR is accepted once: a screenshot passed around opens nothing more.
      await db.transaction((tx) =>
        store.upsertToken(tx, {
          id: claims.jti,
          parcelId: parcel.id,
          bankId,
          usedAt: clock.now(),
          expiresAt: new Date(claims.exp * 1000),
        }),
      );
      return opened;
    },

    async openMyParcel(viewer: Viewer | null, parcelId: string): Promise<ActionResult> {
      const v = authorize(viewer, 'Mutation.openMyParcel');
      const parcel = await findVisible(v, parcelId);
      if (!canActAsCollector(v, parcel))
        return refused('NOT_ALLOWED', 'Only the recipient or their proxy can open it.');
      if (!redeemable(parcel, parcel.bankId ?? ''))
        return refused('NOT_IN_LOCKER', 'This parcel is not waiting in a locker.');
      if (!(await devices.isOnline(parcel.bankId!)))
        return refused(
          'BANK_OFFLINE',
          'The locker is not connected right now: use the keypad code or the QR at the locker.',
        );
      const opened = await openForPickup(parcel, 'REMOTE', v.personId, deps.openCommandTtlMs);
      if (opened?.__typename !== 'PickupOpened')
        return refused('BANK_OFFLINE', 'The locker did not take the command: use the keypad code or the QR.');
      return ok((await store.get(parcel.id))!, opened.command);
    },

    async extendHold(viewer: Viewer | null, parcelId: string): Promise<ActionResult> {
      const v = authorize(viewer, 'Mutation.extendParcelHold');
      const parcel = await findVisible(v, parcelId);
      if (v.personId !== parcel.recipientId) return refused('NOT_ALLOWED', 'Only the recipient can extend the hold.');
      if (parcel.status !== 'READY_FOR_PICKUP' || !parcel.expiresAt)
        return refused('NOT_IN_LOCKER', 'This parcel is not waiting in a locker.');
      if (parcel.extended) return refused('ALREADY_EXTENDED', 'The hold was extended once already.');
      const now = clock.now();
      const hold = await holdMs(parcel.bankId);
      const { updated, after } = await db.transaction(async (tx) => {
        const after = await revokeQr(tx, parcel, now);
        const updated = await store.update(
          tx,
          parcel.id,
          {
            extended: true,
            expiresAt: new Date(parcel.expiresAt!.getTime() + hold),
            qrTokenId: newId('qr'),
            expiryWarningSentAt: null,
          },
          now,
        );
        return { updated, after };
      });
      await after?.();
      publish(updated);
      return ok(updated);
    },

    async shareWithProxy(viewer: Viewer | null, parcelId: string, email: string | null): Promise<ActionResult> {
      const v = authorize(viewer, 'Mutation.shareParcelPickup');
      const parcel = await findVisible(v, parcelId);
      if (v.personId !== parcel.recipientId) return refused('NOT_ALLOWED', 'Only the recipient can share pickup.');
      if (parcel.status === 'PICKED_UP') return refused('NOT_IN_LOCKER', 'This parcel was collected already.');
      const now = clock.now();
      // The answer is the same whether or not the address has an account: with
      // none, nothing is shared, and either way the recipient sees only the
      // address it entered (proxyFor), so sharing never tells who has an account.
      const address = email ? people.parseEmail(email) : null;
      const proxy = address ? await people.findByEmail(address) : undefined;
      if (proxy?.id === parcel.recipientId) return refused('NOT_ALLOWED', 'That is you.');
      await store.setProxyEmail(parcel.id, address);
      if (!email) {
        const updated = await setProxy(parcel, null, now);
        publish(parcel);
        publish(updated);
        notify.kick();
        return ok(updated);
      }
      if (!proxy) {
        // No account: no one may collect it but the recipient (a previous proxy neither).
        const updated = await setProxy(parcel, null, now);
        publish(parcel);
        publish(updated);
        notify.kick();
        return ok(updated);
      }
      const updated = await setProxy(parcel, proxy.id, now);
      if (parcel.proxyId && parcel.proxyId !== proxy.id) publish(parcel);
      publish(updated);
      notify.kick();
      return ok(updated);
    },

    async openForRecall(viewer: Viewer | null, parcelId: string): Promise<ActionResult> {
      const v = authorize(viewer, 'Mutation.openForRecall');
      const parcel = await findVisible(v, parcelId);
      if (parcel.status !== 'RECALL_PENDING' || !parcel.bankId || !parcel.compartmentId)
        return refused('NOT_IN_LOCKER', 'Only expired parcels still in a locker are recalled.');
      const compartment = await lockers.store.getCompartment(parcel.compartmentId);
      if (!compartment) return refused('NOT_IN_LOCKER', 'The compartment no longer exists.');
      const open = await devices.requestOpen({
        bankId: parcel.bankId,
        label: compartment.label,
        via: 'RECALL',
        requestedBy: v.personId,
        reason: 'recall expired parcel',
        ttlMs: RECALL_COMMAND_TTL_MS,
        parcelId: parcel.id,
      });
      if (open.__typename !== 'CommandIssued') return refused('BANK_OFFLINE', open.message);
      const updated = await db.transaction((tx) =>
        store.update(
          tx,
          parcel.id,
          { operation: 'RECALL', operationVia: 'RECALL', operationAt: clock.now(), doorOpenedAt: null },
          clock.now(),
        ),
      );
      publish(updated);
      return ok(updated, open.command);
    },

    async handOverAtDesk(viewer: Viewer | null, parcelId: string): Promise<ActionResult> {
      const v = authorize(viewer, 'Mutation.handOverAtDesk');
      const parcel = await findVisible(v, parcelId);
      if (parcel.status !== 'AT_DESK') return refused('NOT_ALLOWED', 'Only parcels at the desk are handed over there.');
      const now = clock.now();
      const { updated, revoked } = await db.transaction(async (tx) => {
        // A recalled parcel's QR died at expiry; this makes sure whatever path led here.
        const revoked = await revokeQr(tx, parcel, now, now);
        const updated = await store.update(
          tx,
          parcel.id,
          { status: 'PICKED_UP', pickedUpAt: now, pickupMethod: 'DESK' },
          now,
        );
        return { updated, revoked };
      });
      await revoked?.();
      publish(updated);
      return ok(updated);
    },

    async reportDoorDidNotOpen(
      viewer: Viewer | null,
      input: {
        parcelId?: string | null;
        bankId?: string | null;
        compartmentLabel?: string | null;
        note?: string | null;
      },
    ) {
      const v = authorize(viewer, 'Mutation.reportDoorDidNotOpen');
      // all: any door; bank: a kiosk, for its own bank; own: a person, for a parcel they collect.
      const scope = grantOf(v, 'Mutation.reportDoorDidNotOpen');
      let bankId = scope === 'bank' ? (v.bankId ?? null) : (input.bankId ?? null);
      let label = input.compartmentLabel?.trim().toUpperCase() || null;
      let parcelRef: string | null = null;
      if (input.parcelId) {
        const parcel = await findVisible(v, input.parcelId);
        if (scope === 'own' && !canActAsCollector(v, parcel)) throw notFound('Parcel');
        parcelRef = parcel.id;
        bankId = parcel.bankId ?? bankId;
        const compartment = parcel.compartmentId ? await lockers.store.getCompartment(parcel.compartmentId) : undefined;
        label = compartment?.label ?? label;
      } else if (scope === 'own') {
        throw badInput('Say which parcel did not open (parcelId).', { field: 'parcelId' });
      }
      if (!bankId) throw badInput('Say which locker: a parcel, or a bank and compartment.');
      const bank = await lockers.store.getBank(bankId);
      if (!bank) throw notFound('Locker bank');
      const note = input.note?.trim().slice(0, 500);
      return await audit.raise({
        kind: 'DOOR_DID_NOT_OPEN',
        bankId,
        compartmentLabel: label,
        parcelId: parcelRef,
        message: `${bank.name}${label ? ` ${label}` : ''}: door did not open${v.role === 'KIOSK' ? ' (reported at the kiosk)' : ''}${note ? ` — "${note}"` : ''}.`,
      });
    },

    /**
     * The viewer's parcels as they change. Checked again for every event: a
     * proxy removed since the event was published (the old row still names
     * them) is sent nothing more, pickup code least of all.
     */
    subscribeMine(viewer: Viewer | null) {
      const v = authorize(viewer, 'Subscription.myParcelUpdated');
      return transformIterator(bus.subscribe<ParcelRow>(parcelTopics.person(v.personId)), async (p) => {
        const now = await store.get(p.id);
        return now && canActAsCollector(v, now) ? p : undefined;
      });
    },

    subscribeAll(viewer: Viewer | null) {
      authorize(viewer, 'Subscription.parcelUpdated');
      return bus.subscribe<ParcelRow>(parcelTopics.all);
    },

    async setCourierBanks(viewer: Viewer | null, personId: string, bankIds: readonly string[]) {
      authorize(viewer, 'Mutation.setCourierBanks');
      const person = await people.findById(personId);
      if (!person) throw notFound('Person');
      if (person.role !== 'COURIER') throw badInput('Only couriers have drop-off banks.');
      for (const id of bankIds)
        if (!(await lockers.store.getBank(id))) throw badInput(`Unknown bank ${id}.`, { field: 'bankIds' });
      await store.setCourierBanks(personId, [...new Set(bankIds)]);
      return person;
    },
  };
}
export type ParcelService = ReturnType<typeof createParcelService>;
