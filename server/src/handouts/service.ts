/**
 * IT handouts: laptops and other assets out to people and back through the
 * lockers, on the handover core parcels use (handover/): the same fitting
 * reservation, the same door outcomes, the same codes and attempt gate, the
 * same redeem path at the keypad.
 *
 *   OUT  createHandout → (AWAITING_LOAD) loadHandout: IT scans the tag, its
 *        door opens, IT closes it → READY: the person is told, with a code →
 *        code, tap in the app, or the kiosk → the door closes empty →
 *        COLLECTED: the loan is ACTIVE, the asset WITH_PERSON.
 *   IN   startReturn → (AWAITING_DROPOFF) the person's drop-off code opens a
 *        reserved door → the door closes with it inside → DROPPED: IT is
 *        alerted, the asset RETURN_PENDING → collectReturn → COLLECTED →
 *        checkInAsset: IN_STOCK, IN_REPAIR or LOST, the loan CLOSED.
 *
 * A loaner in the self-service pool is an OUT handout with nobody yet: a
 * person borrows it (borrowLoaner) or takes it as the replacement in a
 * break/fix swap (swapDevice, both doors in one visit).
 *
 * Door events drive every step inside the transaction that stores them (the
 * event hook), exactly like parcels: a crash never leaves an event stored but
 * not acted on, and the notices are written in that transaction (outbox).
 */
import { authorize, grantOf } from '../access/authorize.js';
import type { AttemptService } from '../attempts/service.js';
import type { AuditService } from '../audit/service.js';
import type { Bus } from '../bus/index.js';
import type { Db, Queryable, Tx } from '../db/index.js';
import type { DeviceService } from '../devices/service.js';
import type { CommandRow } from '../devices/types.js';
import { codeLookup, deriveCode } from '../handover/credentials.js';
import type { CodeHolder, RedeemResult } from '../handover/redeem.js';
import type { HandoverStore } from '../handover/store.js';
import { doorOutcome } from '../handover/types.js';
import type { LockerService } from '../lockers/service.js';
import type { BankRow, CompartmentRow, LockerEventRow } from '../lockers/types.js';
import { SECRET_PLACEHOLDER, type NotifyService } from '../notify/service.js';
import type { PeopleService } from '../people/service.js';
import type { PersonRow, Viewer } from '../people/types.js';
import { transformIterator } from '../shared/async-iter.js';
import type { Clock } from '../shared/clock.js';
import { badInput, notFound } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import type { Logger } from '../shared/logger.js';
import { PICKUP_CODE_EXPOSURE_CAP } from '../attempts/budgets.js';
import { evaluate, type EffectivePolicy } from '../assets/policy.js';
import type { AssetStore } from '../assets/store.js';
import { normaliseTag, type AssetRow, type AssetStatus } from '../assets/types.js';
import type { HandoutStore } from './store.js';
import { ASSET_SIZE, handoutTopics, isOverdue, OPEN_LOAN_STATUSES, type HandoutRow, type LoanRow } from './types.js';

const LOAD_COMMAND_TTL_MS = 90_000;
const COLLECT_COMMAND_TTL_MS = 60_000;
/** A drop-off code works this long; then the compartment is freed and the loan is active again. */
const DROPOFF_WINDOW_MS = 72 * 3_600_000;
/** A self-service or swap door the person did not open in time is given back to the pool. */
const SELF_SERVICE_WINDOW_MS = 10 * 60_000;
export const HANDOUT_LIMITS = { reason: 500, note: 500, signature: 120, bulk: 500, search: 100 } as const;

export type HandoutRefusalReason =
  | 'ASSET_NOT_AVAILABLE'
  | 'NOT_ELIGIBLE'
  | 'LIMIT_REACHED'
  | 'OVERDUE_BLOCK'
  | 'DUE_NOT_ALLOWED'
  | 'AGREEMENT_REQUIRED'
  | 'NO_COMPARTMENT'
  | 'BANK_OFFLINE'
  | 'SITE_CLOSED'
  | 'NOT_ALLOWED'
  | 'SOMEONE_WAITING'
  | 'NO_RENEWAL'
  | 'INVALID'
  | 'NONE_AVAILABLE';

export type HandoutResult =
  | {
      __typename: 'HandoutDone';
      loan: LoanRow | null;
      handout: HandoutRow | null;
      command: CommandRow | null;
      secondHandout: HandoutRow | null;
    }
  | { __typename: 'HandoutRefused'; reason: HandoutRefusalReason; field: string | null; message: string };

export interface CheckInResult {
  tag: string;
  ok: boolean;
  message: string;
  asset: AssetRow | null;
  loan: LoanRow | null;
}

/** What the loan flows ask of the site calendar (handouts/calendar.ts). */
export interface LoanCalendar {
  /** The due instant for a loan starting at `start`: within maxLoanHours, by dueBy, never on a closed day. */
  dueAt(siteId: string | null, start: Date, maxLoanHours: number, dueBy: string | null): Promise<Date>;
  isOpen(siteId: string | null, at: Date): Promise<boolean>;
}

/** What happens outside Baylight when a loan starts or ends (Snipe-IT); each call is written in `tx`. */
export interface LoanSync {
  checkedOut(
    tx: Queryable,
    e: { key: string; asset: AssetRow; person: PersonRow; dueAt: Date | null; note: string },
  ): Promise<void>;
  checkedIn(tx: Queryable, e: { key: string; asset: AssetRow; note: string }): Promise<void>;
  kick(): void;
}

export interface HandoutServiceDeps {
  db: Db;
  store: HandoutStore;
  assets: AssetStore;
  handover: HandoverStore;
  bus: Bus;
  clock: Clock;
  logger: Logger;
  secret: string;
  lockers: LockerService;
  devices: DeviceService;
  notify: NotifyService;
  audit: AuditService;
  people: PeopleService;
  attempts: AttemptService;
  calendar: LoanCalendar;
  /** The fault lists (handouts/faults.ts). */
  faults: { get(id: string): Promise<{ id: string; category: string; label: string; critical: boolean } | undefined> };
  sync?: LoanSync;
  openCommandTtlMs: number;
  publicWebUrl: string;
  /** Categories that go only into charging compartments (laptops). */
  chargingCategories: readonly string[];
}

/** Where a handout comes from, when not IT's desk: a booking's unit, a campaign's item. */
interface HandoutOrigin {
  source: 'BOOKING' | 'CAMPAIGN';
  bookingId?: string;
  campaignItemId?: string;
  availableAt?: Date;
  expiresAt?: Date;
}

const refused = (reason: HandoutRefusalReason, message: string, field: string | null = null): HandoutResult => ({
  __typename: 'HandoutRefused',
  reason,
  field,
  message,
});
const done = (
  loan: LoanRow | null,
  handout: HandoutRow | null,
  command: CommandRow | null = null,
  secondHandout: HandoutRow | null = null,
): HandoutResult => ({ __typename: 'HandoutDone', loan, handout, command, secondHandout });

/** A refusal raised inside a transaction: it rolls back, and the caller answers with it. */
class Refusal extends Error {
  constructor(readonly result: HandoutResult) {
    super('refused');
  }
}

const sameName = (a: string, b: string) =>
  a.normalize('NFKC').replace(/\s+/g, ' ').trim().toLowerCase() ===
  b.normalize('NFKC').replace(/\s+/g, ' ').trim().toLowerCase();

export function createHandoutService(deps: HandoutServiceDeps) {
  const { db, store, assets, handover, bus, clock, logger, lockers, devices, notify, audit, people, attempts } = deps;
  const secret = deps.secret;
  const charging = new Set(deps.chargingCategories.map((c) => c.toLowerCase()));

  // --- helpers ------------------------------------------------------------------

  const afterCommitted = (work: () => unknown) => async (): Promise<void> => {
    try {
      await work();
    } catch (err) {
      logger.error({ err }, 'handout work after a commit failed');
    }
  };

  function publish(handout: HandoutRow | null, loan: LoanRow | null) {
    if (handout) bus.publish(handoutTopics.all, handout);
    if (loan) bus.publish(handoutTopics.loansOf(loan.personId), loan);
  }

  const link = (loanId: string | null) =>
    `${deps.publicWebUrl.replace(/\/$/, '')}/devices${loanId ? `#${loanId}` : ''}`;

  async function siteOfBank(bankId: string | null) {
    const bank = bankId ? await lockers.store.getBank(bankId) : undefined;
    return bank ? await lockers.store.getSite(bank.siteId) : (await lockers.store.listSites())[0];
  }
  const timeZone = async (bankId: string | null) => (await siteOfBank(bankId))?.timezone ?? 'UTC';

  async function placeOf(h: Pick<HandoutRow, 'bankId' | 'compartmentId'>) {
    const bank = h.bankId ? await lockers.store.getBank(h.bankId) : undefined;
    const compartment = h.compartmentId ? await lockers.store.getCompartment(h.compartmentId) : undefined;
    return { bank, compartment, text: bank && compartment ? `${bank.name}, compartment ${compartment.label}` : 'IT' };
  }

  async function policyFor(person: PersonRow, category: string, siteId: string | null): Promise<EffectivePolicy> {
    return evaluate(await assets.policies(), { category, role: person.role, siteId }).policy;
  }

  /** The next code for a handout whose lookup is free among every domain's live codes. */
  async function issueCode(tx: Queryable, h: Pick<HandoutRow, 'id' | 'codeVersion' | 'bankId'>) {
    for (let v = h.codeVersion + 1; ; v++) {
      const lookup = codeLookup(secret, deriveCode(secret, h.id, v));
      if (!(await handover.codeLookupTaken(tx, lookup)))
        return {
          codeVersion: v,
          codeLookup: lookup,
          codeExposureBase: h.bankId ? await attempts.total('PICKUP_CODE', 'bank', h.bankId) : 0,
        };
    }
  }

  /** Sets an asset's status from a handover step, with a line in its history. */
  async function moveAsset(tx: Queryable, assetId: string, status: AssetStatus, detail: string, by: string | null) {
    const asset = await assets.get(assetId, tx);
    if (!asset) return undefined;
    const at = clock.now();
    const updated = await assets.updateAt(tx, asset.id, asset.version, { status }, at);
    await assets.addHistory(tx, { id: newId('ah'), assetId, kind: 'HANDOVER', status, detail, by, at });
    return updated;
  }

  async function noticeReady(tx: Queryable, h: HandoutRow, asset: AssetRow) {
    if (!h.personId) return;
    const place = (await placeOf(h)).text;
    const dropOff = h.direction === 'IN';
    await notify.enqueue(tx, {
      personId: h.personId,
      dedupeKey: `handout:${h.id}:${dropOff ? 'dropoff' : 'ready'}:v${h.codeVersion}`,
      subject: dropOff ? `Return ${asset.model}: ${place}` : `Your ${asset.model} is ready: ${place}`,
      body: dropOff
        ? `Drop ${asset.model} (${asset.tag}) off at ${place}. Drop-off code ${SECRET_PLACEHOLDER} (keypad), or open it from the Baylight app at the locker.`
        : `${asset.model} (${asset.tag}) is waiting for you at ${place}. Pickup code ${SECRET_PLACEHOLDER} (keypad), or open it from the Baylight app at the locker.`,
      secret: deriveCode(secret, h.id, h.codeVersion),
      url: link(h.loanId),
      timeZone: await timeZone(h.bankId),
    });
  }

  async function openDoor(
    h: HandoutRow,
    via: string,
    requestedBy: string | null,
    ttlMs: number,
    reason: string | null = null,
  ): Promise<{ ok: true; command: CommandRow; compartment: CompartmentRow } | { ok: false; message: string }> {
    const compartment = h.compartmentId ? await lockers.store.getCompartment(h.compartmentId) : undefined;
    if (!compartment || !h.bankId) return { ok: false, message: 'It is not in a compartment.' };
    const open = await devices.requestOpen({
      bankId: h.bankId,
      label: compartment.label,
      via,
      requestedBy,
      reason,
      ttlMs,
      parcelId: h.id,
    });
    if (open.__typename !== 'CommandIssued') return { ok: false, message: open.message };
    return { ok: true, command: open.command, compartment };
  }

  /** Marks the operation a door was opened for, so the next close decides. */
  async function begin(h: HandoutRow, operation: 'DEPOSIT' | 'PICKUP' | 'RECALL', via: string) {
    const now = clock.now();
    const updated = await db.transaction((tx) =>
      store.updateHandout(tx, h.id, { operation, operationVia: via, operationAt: now, doorOpenedAt: null }, now),
    );
    publish(updated, null);
    return updated;
  }

  /** What the viewer may do with a loan: its person, or IT (all). */
  function mayActOn(v: Viewer, loan: LoanRow, op: Parameters<typeof grantOf>[1]) {
    return loan.personId === v.personId || grantOf(v, op) === 'all';
  }

  async function bankFor(person: PersonRow, bankId: string | null | undefined): Promise<BankRow | undefined> {
    if (bankId) return lockers.store.getBank(bankId);
    if (person.preferredBankId) {
      const preferred = await lockers.store.getBank(person.preferredBankId);
      if (preferred) return preferred;
    }
    const site = (await lockers.store.listSites())[0];
    return site ? (await lockers.store.listBanks(site.id))[0] : undefined;
  }

  /**
   * The loan rules for a new loan of `category` by `person` at a site: the
   * refusal, or null. `override` (staff, with a reason) passes them, recorded.
   */
  async function ruleRefusal(
    q: Queryable,
    person: PersonRow,
    category: string,
    policy: EffectivePolicy,
  ): Promise<HandoutResult | null> {
    if (!policy.eligible)
      return refused('NOT_ELIGIBLE', `No loan rule lets a ${person.role.toLowerCase()} borrow a ${category} here.`);
    const open = await store.openLoansOf(q, person.id);
    const now = clock.now();
    if (policy.blockWhenOverdue && open.some((l) => isOverdue(l, now)))
      return refused('OVERDUE_BLOCK', `${person.name} has an overdue loan: it comes back first.`);
    const held = open.filter((l) => l.category === category).length;
    if (held >= policy.maxItems)
      return refused(
        'LIMIT_REACHED',
        `${person.name} holds ${held} ${category}${held === 1 ? '' : 's'} already; the rules allow ${policy.maxItems}.`,
      );
    return null;
  }

  // --- creating and loading --------------------------------------------------------

  async function createHandout(
    viewer: Viewer | null,
    input: {
      assetTag?: string | null;
      assetId?: string | null;
      personId: string;
      kind?: 'LOAN' | 'ASSIGNMENT' | null;
      bankId?: string | null;
      dueAt?: Date | null;
      overrideReason?: string | null;
    },
    origin: HandoutOrigin | null = null,
  ): Promise<HandoutResult> {
    const v = authorize(viewer, 'Mutation.createHandout');
    const kind = input.kind ?? 'LOAN';
    const override = input.overrideReason?.trim() || null;
    if (override && override.length > HANDOUT_LIMITS.reason)
      return refused('INVALID', `The reason is longer than ${HANDOUT_LIMITS.reason} characters.`, 'overrideReason');
    const asset = await findAsset(input.assetTag, input.assetId);
    if (!asset) return refused('INVALID', 'No asset has this tag.', input.assetTag ? 'assetTag' : 'assetId');
    const person = await people.findById(input.personId);
    if (!person || person.disabledAt) return refused('INVALID', 'No such person (or disabled).', 'personId');
    const bank = await bankFor(person, input.bankId);
    if (!bank) return refused('INVALID', 'No such locker bank.', 'bankId');
    if (asset.status !== 'IN_STOCK')
      return refused('ASSET_NOT_AVAILABLE', `${asset.tag} is ${asset.status.toLowerCase().replaceAll('_', ' ')}.`);
    const now = clock.now();
    let dueAt: Date | null = null;
    let usedOverride = false;
    if (kind === 'LOAN') {
      const policy = await policyFor(person, asset.category, bank.siteId);
      const rule = await ruleRefusal(db.read, person, asset.category, policy);
      if (rule && !override) return rule;
      if (rule) usedOverride = true;
      if (input.dueAt) {
        if (input.dueAt <= now) return refused('DUE_NOT_ALLOWED', 'The due time is in the past.', 'dueAt');
        const longest = policy.maxLoanHours ? now.getTime() + policy.maxLoanHours * 3_600_000 : Infinity;
        if (input.dueAt.getTime() > longest && !override)
          return refused(
            'DUE_NOT_ALLOWED',
            `The rules allow loans of at most ${policy.maxLoanHours} hours: give an earlier due time, or a reason to override.`,
            'dueAt',
          );
        if (input.dueAt.getTime() > longest) usedOverride = true;
        dueAt = input.dueAt;
      }
      if (policy.requiresAgreement && !(await store.agreementOf(db.read, person.id, asset.category)) && !override)
        return refused(
          'AGREEMENT_REQUIRED',
          `${person.name} has not accepted the ${asset.category} loan agreement yet: they accept it once in the app (My devices).`,
        );
    }
    const needsCharging = charging.has(asset.category.toLowerCase());
    try {
      const { loan, handout, compartment } = await handover.inTurn([bank.id], async (tx) => {
        if (await store.openLoanForAsset(tx, asset.id))
          throw new Refusal(refused('ASSET_NOT_AVAILABLE', `${asset.tag} is out already.`));
        const fresh = await assets.get(asset.id, tx);
        if (fresh?.status !== 'IN_STOCK')
          throw new Refusal(refused('ASSET_NOT_AVAILABLE', `${asset.tag} is not in stock any more.`));
        const reserved = await handover.reserveFitting(
          tx,
          [bank.id],
          { size: ASSET_SIZE, needsAccessible: person.needsAccessible, needsCharging },
          now,
        );
        if (!reserved)
          throw new Refusal(
            refused(
              'NO_COMPARTMENT',
              needsCharging
                ? `No charging compartment is free at ${bank.name}: a ${asset.category} goes only into one.`
                : `No compartment is free at ${bank.name}.`,
              'bankId',
            ),
          );
        const loan = await store.insertLoan(tx, {
          id: newId('loan'),
          assetId: asset.id,
          personId: person.id,
          kind,
          status: 'PENDING',
          category: asset.category,
          siteId: bank.siteId,
          dueAt,
          renewalsUsed: 0,
          signature: null,
          signedAt: null,
          overrideReason: usedOverride ? override : null,
          overrideBy: usedOverride ? v.personId : null,
          replacesLoanId: null,
          source: origin?.source ?? 'DESK',
          createdBy: v.personId,
          createdAt: now,
          startedAt: null,
          endedAt: null,
          escalatedAt: null,
          lostModeAt: null,
          updatedAt: now,
        });
        const handout = await store.insertHandout(
          tx,
          blankHandout(asset.id, reserved.compartment, now, {
            loanId: loan.id,
            personId: person.id,
            direction: 'OUT',
            status: 'AWAITING_LOAD',
            createdBy: v.personId,
            bookingId: origin?.bookingId ?? null,
            campaignItemId: origin?.campaignItemId ?? null,
            availableAt: origin?.availableAt ?? null,
            expiresAt: origin?.expiresAt ?? null,
          }),
        );
        await assets.addHistory(tx, {
          id: newId('ah'),
          assetId: asset.id,
          kind: 'HANDOVER',
          status: asset.status,
          detail: `${kind === 'LOAN' ? 'Loan' : 'Assignment'} to ${person.name}: ${bank.name} ${reserved.compartment.label} reserved${usedOverride ? ` (rules overridden: ${override})` : ''}.`,
          by: v.personId,
          at: now,
        });
        return { loan, handout, compartment: reserved.compartment };
      });
      lockers.publishCompartments([compartment]);
      publish(handout, loan);
      return done(loan, handout);
    } catch (err) {
      if (err instanceof Refusal) return err.result;
      throw err;
    }
  }

  function blankHandout(
    assetId: string,
    compartment: CompartmentRow,
    now: Date,
    rest: Pick<HandoutRow, 'loanId' | 'personId' | 'direction' | 'status' | 'createdBy'> & Partial<HandoutRow>,
  ): Omit<HandoutRow, 'version'> {
    return {
      id: newId('aho'),
      assetId,
      bankId: compartment.bankId,
      compartmentId: compartment.id,
      bookingId: null,
      campaignItemId: null,
      faultId: null,
      faultNote: null,
      swapWith: null,
      operation: null,
      operationVia: null,
      operationAt: null,
      doorOpenedAt: null,
      codeVersion: 0,
      codeLookup: null,
      qrTokenId: null,
      codeExposureBase: 0,
      availableAt: null,
      noticeSentAt: null,
      expiresAt: null,
      method: null,
      createdAt: now,
      readyAt: null,
      completedAt: null,
      updatedAt: now,
      ...rest,
    };
  }

  async function findAsset(tag: string | null | undefined, id: string | null | undefined) {
    if (id) return assets.get(id);
    const key = tag ? normaliseTag(tag) : '';
    if (!key || key.length > 64) return undefined;
    return assets.byTagKey(key);
  }

  /**
   * IT at the bank scans a tag: the door reserved for its handout opens. A
   * tag with no handout, scanned with a bank, becomes a loaner in that
   * bank's self-service pool (a fitting compartment is reserved and opened).
   */
  async function loadHandout(viewer: Viewer | null, assetTag: string, bankId: string | null): Promise<HandoutResult> {
    const v = authorize(viewer, 'Mutation.loadHandout');
    const asset = await findAsset(assetTag, null);
    if (!asset) return refused('INVALID', 'No asset has this tag.', 'assetTag');
    let handout = await store.liveForAsset(db.read, asset.id);
    if (handout && handout.status !== 'AWAITING_LOAD')
      return refused(
        'NOT_ALLOWED',
        `${asset.tag} is loaded already (${handout.status.toLowerCase().replaceAll('_', ' ')}).`,
      );
    if (!handout) {
      if (!bankId)
        return refused(
          'NOT_ALLOWED',
          `${asset.tag} has no handout waiting: choose a bank to load it as a pool loaner.`,
          'bankId',
        );
      const bank = await lockers.store.getBank(bankId);
      if (!bank) return refused('INVALID', 'No such locker bank.', 'bankId');
      if (asset.status !== 'IN_STOCK')
        return refused('ASSET_NOT_AVAILABLE', `${asset.tag} is ${asset.status.toLowerCase().replaceAll('_', ' ')}.`);
      const now = clock.now();
      const needsCharging = charging.has(asset.category.toLowerCase());
      try {
        const made = await handover.inTurn([bank.id], async (tx) => {
          if ((await store.openLoanForAsset(tx, asset.id)) || (await store.liveForAsset(tx, asset.id)))
            throw new Refusal(refused('ASSET_NOT_AVAILABLE', `${asset.tag} is out already.`));
          const reserved = await handover.reserveFitting(
            tx,
            [bank.id],
            { size: ASSET_SIZE, needsAccessible: false, needsCharging },
            now,
          );
          if (!reserved)
            throw new Refusal(
              refused(
                'NO_COMPARTMENT',
                needsCharging
                  ? `No charging compartment is free at ${bank.name}.`
                  : `No compartment is free at ${bank.name}.`,
                'bankId',
              ),
            );
          const h = await store.insertHandout(
            tx,
            blankHandout(asset.id, reserved.compartment, now, {
              loanId: null,
              personId: null,
              direction: 'OUT',
              status: 'AWAITING_LOAD',
              createdBy: v.personId,
            }),
          );
          return { h, compartment: reserved.compartment };
        });
        lockers.publishCompartments([made.compartment]);
        handout = made.h;
      } catch (err) {
        if (err instanceof Refusal) return err.result;
        throw err;
      }
    } else if (bankId && handout.bankId !== bankId) {
      const bank = handout.bankId ? await lockers.store.getBank(handout.bankId) : undefined;
      return refused(
        'NOT_ALLOWED',
        `${asset.tag} is reserved at ${bank?.name ?? 'another bank'}: load it there.`,
        'bankId',
      );
    }
    const open = await openDoor(handout, 'LOAD', v.personId, LOAD_COMMAND_TTL_MS);
    if (!open.ok) return refused('BANK_OFFLINE', open.message);
    const updated = await begin(handout, 'DEPOSIT', 'LOAD');
    return done(updated.loanId ? ((await store.loan(updated.loanId)) ?? null) : null, updated, open.command);
  }

  // --- the controller drives the handout -------------------------------------------

  type HookResult = { compartment?: CompartmentRow; afterCommit?: () => void | Promise<void> } | void;

  const onControllerEvent = async (
    tx: Tx,
    event: LockerEventRow,
    compartment: CompartmentRow | undefined,
  ): Promise<HookResult> => {
    if (!compartment) return;
    if (event.kind === 'EMPTY' && compartment.state === 'AVAILABLE') {
      // As for parcels: a compartment holding a handout's item stays IN_USE when the sensor reads empty.
      const held = await store.liveInCompartment(tx, compartment.id);
      if ((held?.status === 'READY' && held.operation !== 'PICKUP') || held?.status === 'DROPPED')
        return {
          compartment: await lockers.store.updateCompartmentIn(
            tx,
            compartment.id,
            { state: 'IN_USE' },
            event.receivedAt,
          ),
        };
      return;
    }
    if (event.kind !== 'DOOR_OPENED' && event.kind !== 'DOOR_CLOSED') return;
    const h = await store.liveInCompartment(tx, compartment.id);
    if (!h) return;
    const outcome = doorOutcome(h, event.kind, compartment.occupancy);
    if (!outcome) return;
    const at = event.receivedAt;
    if (outcome.kind === 'OPENED') {
      const updated = await store.updateHandout(tx, h.id, { doorOpenedAt: event.occurredAt }, at);
      return { afterCommit: () => publish(updated, null) };
    }
    const clear = { operation: null, operationVia: null, doorOpenedAt: null } as const;
    if (outcome.kind === 'DEPOSIT_EMPTY' || outcome.kind === 'NOT_TAKEN') {
      // Nothing went in, or nothing came out: the step can be tried again (the code still works).
      const updated = await store.updateHandout(tx, h.id, clear, at);
      return { afterCommit: () => publish(updated, null) };
    }
    const asset = await assets.get(h.assetId, tx);
    if (!asset) return;
    const loan = h.loanId ? await store.loan(h.loanId, tx) : undefined;

    if (outcome.kind === 'DEPOSITED' && h.direction === 'OUT') {
      // IT loaded it: READY. A person's handout gets its code now; they are told when it may be collected.
      const code = h.personId ? await issueCode(tx, h) : {};
      const updated = await store.updateHandout(tx, h.id, { ...clear, ...code, status: 'READY', readyAt: at }, at);
      const inUse = await lockers.store.updateCompartmentIn(tx, compartment.id, { state: 'IN_USE' }, at);
      await moveAsset(tx, asset.id, 'LOADED', `Loaded into ${compartment.label}.`, null);
      let told = updated;
      if (updated.personId && (!updated.availableAt || updated.availableAt <= at)) {
        await noticeReady(tx, updated, asset);
        told = await store.updateHandout(tx, h.id, { noticeSentAt: at }, at);
      }
      return {
        compartment: inUse,
        afterCommit: afterCommitted(() => {
          publish(told, loan ?? null);
          notify.kick();
          if (!told.personId) onPoolChanged(told);
        }),
      };
    }

    if (outcome.kind === 'DEPOSITED' && h.direction === 'IN') {
      // The person dropped it off: IT is alerted, and a critical fault quarantines the compartment.
      const fault = h.faultId ? await faultOf(tx, h.faultId) : undefined;
      const updated = await store.updateHandout(
        tx,
        h.id,
        { ...clear, status: 'DROPPED', codeLookup: null, method: h.operationVia, readyAt: at },
        at,
      );
      const held = await lockers.store.updateCompartmentIn(
        tx,
        compartment.id,
        { state: fault?.critical ? 'OUT_OF_SERVICE' : 'IN_USE' },
        at,
      );
      await moveAsset(
        tx,
        asset.id,
        'RETURN_PENDING',
        `Dropped off in ${compartment.label}${fault ? ` — fault: ${fault.label}${fault.critical ? ' (critical: quarantined)' : ''}` : ''}.`,
        h.personId,
      );
      // A swap: the replacement's door opens now, in the same visit.
      const partner = h.swapWith ? await store.handout(h.swapWith, tx) : undefined;
      return {
        compartment: held,
        afterCommit: afterCommitted(async () => {
          publish(updated, loan ?? null);
          await audit.raise({
            kind: fault?.critical ? 'DEVICE_QUARANTINED' : 'DEVICE_RETURNED',
            bankId: compartment.bankId,
            compartmentLabel: compartment.label,
            message: `${asset.model} ${asset.tag} was dropped off in ${compartment.label}${fault ? ` (fault: ${fault.label})` : ''}${fault?.critical ? ': the compartment is out of service until IT takes it out' : ': collect and check it in'}.`,
          });
          if (partner?.status === 'READY' && partner.personId) {
            const open = await openDoor(partner, 'SWAP', partner.personId, deps.openCommandTtlMs);
            if (open.ok) await begin(partner, 'PICKUP', 'SWAP');
          }
        }),
      };
    }

    // TAKEN: out of the compartment.
    if (outcome.kind !== 'TAKEN') return;
    const freed =
      compartment.state === 'OUT_OF_SERVICE'
        ? compartment
        : await lockers.store.updateCompartmentIn(tx, compartment.id, { state: 'AVAILABLE' }, at);
    if (h.direction === 'OUT' && outcome.operation === 'PICKUP' && loan) {
      // The person has it: the loan starts, and its due time is set now if IT did not give one.
      let dueAt = loan.dueAt;
      if (loan.kind === 'LOAN' && !dueAt) {
        const person = await people.findById(loan.personId);
        const policy = person ? await policyFor(person, loan.category, loan.siteId) : undefined;
        if (policy?.maxLoanHours) dueAt = await deps.calendar.dueAt(loan.siteId, at, policy.maxLoanHours, policy.dueBy);
      }
      const updated = await store.updateHandout(
        tx,
        h.id,
        { ...clear, status: 'COLLECTED', codeLookup: null, method: h.operationVia, completedAt: at },
        at,
      );
      const active = await store.updateLoan(tx, loan.id, { status: 'ACTIVE', startedAt: at, dueAt }, at);
      const moved = await moveAsset(
        tx,
        asset.id,
        'WITH_PERSON',
        `Collected from ${compartment.label} (${h.operationVia?.toLowerCase() ?? 'code'}).`,
        loan.personId,
      );
      const person = await people.findById(loan.personId);
      const bank = await lockers.store.getBank(compartment.bankId);
      if (deps.sync && person && moved)
        await deps.sync.checkedOut(tx, {
          key: `checkout:${h.id}`,
          asset: moved,
          person,
          dueAt,
          note: `Collected from ${bank?.name ?? 'a locker'} compartment ${compartment.label} (Baylight).`,
        });
      return {
        compartment: freed,
        afterCommit: afterCommitted(() => {
          publish(updated, active);
          deps.sync?.kick();
          for (const l of collectedListeners) l(updated);
        }),
      };
    }
    // IT took it out: a collected return, or a cancelled handout taken back.
    const updated = await store.updateHandout(
      tx,
      h.id,
      {
        ...clear,
        status: h.direction === 'IN' ? 'COLLECTED' : 'CANCELLED',
        codeLookup: null,
        completedAt: at,
      },
      at,
    );
    let after: LoanRow | null = loan ?? null;
    if (h.direction === 'OUT') {
      await moveAsset(tx, asset.id, 'IN_STOCK', `Taken back out of ${compartment.label} by IT.`, null);
      if (loan && loan.status === 'PENDING')
        after = await store.updateLoan(tx, loan.id, { status: 'CANCELLED', endedAt: at }, at);
    }
    return { compartment: freed, afterCommit: () => publish(updated, after) };
  };

  const faultOf = (_q: Queryable, id: string) => deps.faults.get(id);

  /** Listeners for a pool loaner becoming free (the waitlist offers it). */
  const poolListeners: ((h: HandoutRow) => void)[] = [];
  /** Listeners for a handout collected by its person (bookings and the waitlist close theirs). */
  const collectedListeners: ((h: HandoutRow) => void)[] = [];
  function onPoolChanged(h: HandoutRow) {
    for (const l of poolListeners) l(h);
  }

  // --- codes at the keypad -------------------------------------------------------

  /** A live handout code at this bank: a pickup of a READY item, or a drop-off. */
  function redeemable(h: HandoutRow | undefined, bankId: string): h is HandoutRow {
    const now = clock.now();
    return (
      !!h &&
      h.bankId === bankId &&
      !!h.personId &&
      (h.status === 'READY' || h.status === 'AWAITING_DROPOFF') &&
      (!h.expiresAt || h.expiresAt > now) &&
      (!h.availableAt || h.availableAt <= now)
    );
  }

  async function openFor(h: HandoutRow, via: string, requestedBy: string | null): Promise<RedeemResult | null> {
    const open = await openDoor(h, via, requestedBy, deps.openCommandTtlMs);
    if (!open.ok) return null;
    await begin(h, h.status === 'AWAITING_DROPOFF' ? 'DEPOSIT' : 'PICKUP', via);
    return { __typename: 'PickupOpened', compartmentLabel: open.compartment.label, command: open.command };
  }

  const codeHolder: CodeHolder = {
    async find(lookup, bankId) {
      const h = await store.byCodeLookup(lookup);
      if (!redeemable(h, bankId)) return undefined;
      return { itemId: h.id, open: () => openFor(h, 'CODE', null) };
    },
    async reissueOverexposed(bankId, bankTotal) {
      for (const h of await store.overexposed(bankId, bankTotal - PICKUP_CODE_EXPOSURE_CAP)) {
        const updated = await db.transaction(async (tx) => {
          const fresh = await store.handout(h.id, tx);
          if (!fresh?.codeLookup || !(fresh.status === 'READY' || fresh.status === 'AWAITING_DROPOFF')) return null;
          const u = await store.updateHandout(tx, fresh.id, await issueCode(tx, fresh), clock.now());
          const asset = await assets.get(u.assetId, tx);
          if (asset) await noticeReady(tx, u, asset);
          return u;
        });
        if (!updated) continue;
        publish(updated, null);
        await audit.raise({
          kind: 'LOCKOUT',
          bankId,
          message: `${PICKUP_CODE_EXPOSURE_CAP} wrong codes were tried at this bank since a handout's code was issued: its code was replaced and its person sent the new one.`,
        });
      }
      notify.kick();
    },
  };

  // --- returns, check-in, renewals ------------------------------------------------

  async function reserveDropOff(
    tx: Queryable,
    loan: LoanRow,
    bank: BankRow,
    person: PersonRow,
    now: Date,
    extra: Partial<HandoutRow>,
  ) {
    const reserved = await handover.reserveFitting(
      tx,
      [bank.id],
      { size: ASSET_SIZE, needsAccessible: person.needsAccessible },
      now,
    );
    if (!reserved)
      throw new Refusal(
        refused('NO_COMPARTMENT', `No compartment is free at ${bank.name} for the drop-off.`, 'bankId'),
      );
    const base = blankHandout(loan.assetId, reserved.compartment, now, {
      loanId: loan.id,
      personId: loan.personId,
      direction: 'IN',
      status: 'AWAITING_DROPOFF',
      createdBy: person.id,
      ...extra,
    });
    const code = await issueCode(tx, base);
    const h = await store.insertHandout(tx, { ...base, ...code });
    return { h, compartment: reserved.compartment };
  }

  async function startReturn(
    viewer: Viewer | null,
    input: { loanId: string; bankId?: string | null; faultId?: string | null; faultNote?: string | null },
  ): Promise<HandoutResult> {
    const v = authorize(viewer, 'Mutation.startReturn');
    const loan = await store.loan(input.loanId);
    if (!loan || !mayActOn(v, loan, 'Mutation.startReturn')) throw notFound('Loan');
    if (loan.status !== 'ACTIVE')
      return refused(
        'NOT_ALLOWED',
        `This ${loan.kind.toLowerCase()} is ${loan.status.toLowerCase()}: nothing to return.`,
      );
    const note = input.faultNote?.trim() || null;
    if (note && note.length > HANDOUT_LIMITS.note)
      return refused('INVALID', `The note is longer than ${HANDOUT_LIMITS.note} characters.`, 'faultNote');
    const fault = input.faultId ? await faultOf(db.read, input.faultId) : undefined;
    if (input.faultId && (!fault || fault.category !== loan.category))
      return refused('INVALID', `No such fault for a ${loan.category}.`, 'faultId');
    const person = await people.findById(loan.personId);
    if (!person) throw notFound('Person');
    const bank = await bankFor(person, input.bankId ?? (await lastBankOf(loan)));
    if (!bank) return refused('INVALID', 'No such locker bank.', 'bankId');
    const now = clock.now();
    try {
      const { h, compartment, returning } = await handover.inTurn([bank.id], async (tx) => {
        const fresh = await store.loan(loan.id, tx);
        if (fresh?.status !== 'ACTIVE') throw new Refusal(refused('NOT_ALLOWED', 'A return was started already.'));
        const made = await reserveDropOff(tx, loan, bank, person, now, {
          faultId: fault?.id ?? null,
          faultNote: note,
          expiresAt: new Date(now.getTime() + DROPOFF_WINDOW_MS),
        });
        const returning = await store.updateLoan(tx, loan.id, { status: 'RETURNING' }, now);
        const asset = await assets.get(loan.assetId, tx);
        if (asset) await noticeReady(tx, made.h, asset);
        return { ...made, returning };
      });
      lockers.publishCompartments([compartment]);
      publish(h, returning);
      notify.kick();
      return done(returning, h);
    } catch (err) {
      if (err instanceof Refusal) return err.result;
      throw err;
    }
  }

  async function lastBankOf(loan: LoanRow): Promise<string | null> {
    const passages = await store.handoutsOfLoan(loan.id);
    return passages.reverse().find((h) => h.bankId)?.bankId ?? null;
  }

  async function collectReturn(viewer: Viewer | null, handoutId: string): Promise<HandoutResult> {
    const v = authorize(viewer, 'Mutation.collectReturn');
    const h = await store.handout(handoutId);
    if (!h) throw notFound('Handout');
    if (h.direction !== 'IN' || h.status !== 'DROPPED')
      return refused('NOT_ALLOWED', 'Only a dropped-off return is collected.');
    const compartment = h.compartmentId ? await lockers.store.getCompartment(h.compartmentId) : undefined;
    // A quarantined compartment is out of service: IT's opening overrides that, recorded.
    const via = compartment?.state === 'OUT_OF_SERVICE' ? 'STAFF_OVERRIDE' : 'COLLECT';
    const open = await openDoor(h, via, v.personId, COLLECT_COMMAND_TTL_MS, 'collect a returned device');
    if (!open.ok) return refused('BANK_OFFLINE', open.message);
    const updated = await begin(h, 'RECALL', via);
    return done(h.loanId ? ((await store.loan(h.loanId)) ?? null) : null, updated, open.command);
  }

  /** Ends a handout with nothing in its compartment (not yet loaded, or a drop-off not made): the compartment is freed. */
  async function cancelEmpty(h: HandoutRow, by: string | null) {
    const now = clock.now();
    const result = await db.transaction(async (tx) => {
      const fresh = await store.handout(h.id, tx);
      if (fresh?.status !== h.status) return null;
      const c = fresh.compartmentId ? await handover.releaseReservation(tx, fresh.compartmentId, now) : undefined;
      const u = await store.updateHandout(tx, h.id, { status: 'CANCELLED', codeLookup: null, completedAt: now }, now);
      const loan = h.loanId ? await store.loan(h.loanId, tx) : undefined;
      const l = loan
        ? await store.updateLoan(
            tx,
            loan.id,
            h.direction === 'IN' ? { status: 'ACTIVE' } : { status: 'CANCELLED', endedAt: now },
            now,
          )
        : null;
      await assets.addHistory(tx, {
        id: newId('ah'),
        assetId: h.assetId,
        kind: 'HANDOVER',
        status: (await assets.get(h.assetId, tx))!.status,
        detail: h.direction === 'IN' ? 'Return cancelled.' : 'Handout cancelled before loading.',
        by,
        at: now,
      });
      return { u, l, c };
    });
    if (!result) return null;
    if (result.c) lockers.publishCompartments([result.c]);
    publish(result.u, result.l);
    return result;
  }

  /** A loaded loaner nobody collected (an offer, a self-service claim, a booking's unit) goes back to the pool, in `tx`. */
  async function releaseToPool(tx: Queryable, h: HandoutRow, now: Date) {
    const u = await store.updateHandout(
      tx,
      h.id,
      {
        personId: null,
        loanId: null,
        codeLookup: null,
        expiresAt: null,
        availableAt: null,
        noticeSentAt: null,
        swapWith: null,
      },
      now,
    );
    const l = h.loanId ? await store.updateLoan(tx, h.loanId, { status: 'CANCELLED', endedAt: now }, now) : null;
    return { u, l };
  }

  async function cancelHandout(viewer: Viewer | null, handoutId: string): Promise<HandoutResult> {
    const v = authorize(viewer, 'Mutation.cancelHandout');
    const h = await store.handout(handoutId);
    if (!h) throw notFound('Handout');
    const now = clock.now();
    if (h.status === 'AWAITING_LOAD' || h.status === 'AWAITING_DROPOFF') {
      const result = await cancelEmpty(h, v.personId);
      if (!result) return refused('NOT_ALLOWED', 'It changed meanwhile: look again.');
      return done(result.l, result.u);
    }
    if (h.status === 'READY' && h.direction === 'OUT') {
      // It is in the compartment: open it for IT to take back (the door's close ends it).
      const open = await openDoor(h, 'RECALL', v.personId, COLLECT_COMMAND_TTL_MS, 'cancel a handout');
      if (!open.ok) return refused('BANK_OFFLINE', open.message);
      const updated = await db.transaction((tx) =>
        store.updateHandout(
          tx,
          h.id,
          { operation: 'RECALL', operationVia: 'RECALL', operationAt: now, doorOpenedAt: null, codeLookup: null },
          now,
        ),
      );
      publish(updated, null);
      return done(h.loanId ? ((await store.loan(h.loanId)) ?? null) : null, updated, open.command);
    }
    return refused('NOT_ALLOWED', `A ${h.status.toLowerCase().replaceAll('_', ' ')} handout is not cancelled.`);
  }

  async function checkIn(
    v: Viewer,
    rawTag: string,
    outcome: 'IN_STOCK' | 'IN_REPAIR' | 'LOST',
    note: string | null,
  ): Promise<CheckInResult> {
    const tag = rawTag.trim().slice(0, 64);
    const asset = await findAsset(tag, null);
    const fail = (message: string, a: AssetRow | null = null, loan: LoanRow | null = null): CheckInResult => ({
      tag,
      ok: false,
      message,
      asset: a,
      loan,
    });
    if (!asset) return fail('Unknown tag: no asset has it.');
    const now = clock.now();
    const result = await db.transaction(async (tx): Promise<CheckInResult> => {
      const loan = await store.openLoanForAsset(tx, asset.id);
      const live = await store.liveForAsset(tx, asset.id);
      if (live?.status === 'DROPPED')
        return fail('It is still in its drop-off compartment: collect it first.', asset, loan ?? null);
      if (live && live.direction === 'OUT')
        return fail('It is loaded in a locker for someone: cancel that handout instead.', asset, loan ?? null);
      if (!loan && asset.status !== 'RETURN_PENDING')
        return fail(`It is not out (${asset.status.toLowerCase().replaceAll('_', ' ')}): nothing to check in.`, asset);
      if (loan?.status === 'PENDING') return fail('It was never collected: cancel the handout instead.', asset, loan);
      const passages = loan ? await store.handoutsOfLoan(loan.id) : [];
      const lastReturn = passages.filter((p) => p.direction === 'IN' && p.status === 'COLLECTED').pop();
      const fault = lastReturn?.faultId ? await faultOf(tx, lastReturn.faultId) : undefined;
      // A device returned with a critical fault is quarantined: it goes to repair, not back in stock.
      const status: AssetStatus = outcome === 'IN_STOCK' && fault?.critical ? 'IN_REPAIR' : outcome;
      if (live?.status === 'AWAITING_DROPOFF') {
        // Handed in at the desk after all: the drop-off compartment is freed.
        const c = live.compartmentId ? await handover.releaseReservation(tx, live.compartmentId, now) : undefined;
        await store.updateHandout(tx, live.id, { status: 'CANCELLED', codeLookup: null, completedAt: now }, now);
        if (c) lockers.publishCompartments([c]);
      }
      const ended = loan
        ? await store.updateLoan(tx, loan.id, { status: status === 'LOST' ? 'LOST' : 'CLOSED', endedAt: now }, now)
        : null;
      const moved = await moveAsset(
        tx,
        asset.id,
        status,
        `Checked in: ${status.toLowerCase().replaceAll('_', ' ')}${fault?.critical && outcome === 'IN_STOCK' ? ` (critical fault: ${fault.label})` : ''}${note ? ` — ${note}` : ''}.`,
        v.personId,
      );
      if (deps.sync && moved && loan && status !== 'LOST')
        await deps.sync.checkedIn(tx, {
          key: `checkin:${loan.id}`,
          asset: moved,
          note: `Checked in by IT (Baylight)${note ? `: ${note}` : ''}.`,
        });
      const message =
        status === 'IN_REPAIR' && outcome === 'IN_STOCK'
          ? `Checked in to repair: returned with a critical fault (${fault?.label}).`
          : `Checked in: ${status.toLowerCase().replaceAll('_', ' ')}.`;
      return { tag, ok: true, message, asset: moved ?? asset, loan: ended };
    });
    if (result.ok) {
      publish(null, result.loan);
      deps.sync?.kick();
    }
    return result;
  }

  async function renew(viewer: Viewer | null, loanId: string): Promise<HandoutResult> {
    const v = authorize(viewer, 'Mutation.renewLoan');
    const loan = await store.loan(loanId);
    if (!loan || !mayActOn(v, loan, 'Mutation.renewLoan')) throw notFound('Loan');
    if (loan.status !== 'ACTIVE' || loan.kind !== 'LOAN' || !loan.dueAt)
      return refused('NOT_ALLOWED', 'Only an active loan with a due time is renewed.');
    const person = await people.findById(loan.personId);
    if (!person) throw notFound('Person');
    const policy = await policyFor(person, loan.category, loan.siteId);
    if (loan.renewalsUsed >= policy.renewals)
      return refused(
        'NO_RENEWAL',
        policy.renewals === 0 ? 'Loans of this kind are not renewed.' : `All ${policy.renewals} renewals are used.`,
      );
    const now = clock.now();
    if (policy.renewWindowHours && now.getTime() < loan.dueAt.getTime() - policy.renewWindowHours * 3_600_000)
      return refused('NO_RENEWAL', `Renewals open ${policy.renewWindowHours} hours before the due time.`);
    if (await store.someoneWaiting(loan.category, loan.siteId, loan.personId))
      return refused('SOMEONE_WAITING', `Someone is waiting for a ${loan.category}: bring it back by the due time.`);
    const hours = policy.renewalHours ?? policy.maxLoanHours;
    if (!hours) return refused('NO_RENEWAL', 'The rules give no renewal length.');
    const from = loan.dueAt > now ? loan.dueAt : now;
    const dueAt = await deps.calendar.dueAt(loan.siteId, from, hours, policy.dueBy);
    const updated = await db.transaction(async (tx) => {
      const fresh = await store.loan(loan.id, tx);
      if (fresh?.version !== loan.version) return null;
      return store.updateLoan(tx, loan.id, { dueAt, renewalsUsed: loan.renewalsUsed + 1 }, now);
    });
    if (!updated) return refused('NOT_ALLOWED', 'The loan changed meanwhile: look again.');
    publish(null, updated);
    return done(updated, null);
  }

  // --- the self-service pool and swaps ---------------------------------------------

  /** Checks the agreement; records it (once) when a signature is given. Throws a Refusal. */
  async function agreement(
    tx: Queryable,
    person: PersonRow,
    category: string,
    policy: EffectivePolicy,
    signature: string | null,
    now: Date,
  ) {
    if (!policy.requiresAgreement) return null;
    const accepted = await store.agreementOf(tx, person.id, category);
    if (accepted) return accepted.signature;
    const typed = signature?.trim() ?? '';
    if (!typed)
      throw new Refusal(
        refused(
          'AGREEMENT_REQUIRED',
          `Accept the ${category} loan agreement: type your full name as your signature.`,
          'signature',
        ),
      );
    if (typed.length > HANDOUT_LIMITS.signature || !sameName(typed, person.name))
      throw new Refusal(
        refused('AGREEMENT_REQUIRED', `Type your full name as it is on your account (${person.name}).`, 'signature'),
      );
    await store.acceptAgreement(tx, { personId: person.id, category, signature: typed, acceptedAt: now });
    return typed;
  }

  async function newLoan(
    tx: Queryable,
    h: HandoutRow,
    asset: AssetRow,
    person: PersonRow,
    siteId: string,
    now: Date,
    extra: Partial<LoanRow>,
  ): Promise<LoanRow> {
    return store.insertLoan(tx, {
      id: newId('loan'),
      assetId: asset.id,
      personId: person.id,
      kind: 'LOAN',
      status: 'PENDING',
      category: asset.category,
      siteId,
      dueAt: null,
      renewalsUsed: 0,
      signature: null,
      signedAt: null,
      overrideReason: null,
      overrideBy: null,
      replacesLoanId: null,
      source: 'SELF_SERVICE',
      createdBy: person.id,
      createdAt: now,
      startedAt: null,
      endedAt: null,
      escalatedAt: null,
      lostModeAt: null,
      updatedAt: now,
      ...extra,
    });
  }

  /** Gives a pool loaner to a person in `tx`: their loan, a code, and a short window (`holdMs`). */
  async function claimLoaner(
    tx: Queryable,
    h: HandoutRow,
    loanId: string,
    personId: string,
    now: Date,
    holdMs = SELF_SERVICE_WINDOW_MS,
  ) {
    const code = await issueCode(tx, h);
    const claimed = await store.claimHandout(
      tx,
      h.id,
      'READY',
      { ...code, loanId, personId, expiresAt: new Date(now.getTime() + holdMs), noticeSentAt: now },
      now,
    );
    if (!claimed || h.personId)
      throw new Refusal(refused('NONE_AVAILABLE', 'Someone took that loaner just now: try again.'));
    return claimed;
  }

  async function borrowLoaner(
    viewer: Viewer | null,
    input: { bankId: string; model: string; signature?: string | null },
  ): Promise<HandoutResult> {
    const v = authorize(viewer, 'Mutation.borrowLoaner');
    const person = await people.findById(v.personId);
    if (!person) throw notFound('Person');
    const bank = await lockers.store.getBank(input.bankId);
    if (!bank) return refused('INVALID', 'No such locker bank.', 'bankId');
    const model = input.model.trim().slice(0, 120);
    const now = clock.now();
    if (!(await deps.calendar.isOpen(bank.siteId, now)))
      return refused('SITE_CLOSED', `${bank.name}'s site is closed now.`);
    if (!(await devices.isOnline(bank.id)))
      return refused('BANK_OFFLINE', `${bank.name} is not connected right now, so no door can open.`);
    const pool = await store.poolAt(db.read, bank.id, { model });
    const first = pool[0];
    if (!first) return refused('NONE_AVAILABLE', `No ${model} is free at ${bank.name} now.`, 'model');
    const asset = await assets.get(first.assetId);
    if (!asset) return refused('NONE_AVAILABLE', `No ${model} is free at ${bank.name} now.`, 'model');
    const policy = await policyFor(person, asset.category, bank.siteId);
    let claimed: { loan: LoanRow; h: HandoutRow };
    try {
      claimed = await db.transaction(async (tx) => {
        const rule = await ruleRefusal(tx, person, asset.category, policy);
        if (rule) throw new Refusal(rule);
        const signature = await agreement(tx, person, asset.category, policy, input.signature ?? null, now);
        const loan = await newLoan(tx, first, asset, person, bank.siteId, now, {
          signature,
          signedAt: signature ? now : null,
        });
        const h = await claimLoaner(tx, first, loan.id, person.id, now);
        return { loan, h };
      });
    } catch (err) {
      if (err instanceof Refusal) return err.result;
      throw err;
    }
    const open = await openDoor(claimed.h, 'SELF_SERVICE', person.id, deps.openCommandTtlMs);
    if (!open.ok) {
      publish(claimed.h, claimed.loan);
      return refused(
        'BANK_OFFLINE',
        `${open.message} Your loan is held for 10 minutes: try the keypad code in My devices.`,
      );
    }
    const opened = await begin(claimed.h, 'PICKUP', 'SELF_SERVICE');
    publish(opened, claimed.loan);
    return done(claimed.loan, opened, open.command);
  }

  async function swapDevice(
    viewer: Viewer | null,
    input: { loanId: string; bankId: string; faultId: string; faultNote?: string | null },
  ): Promise<HandoutResult> {
    const v = authorize(viewer, 'Mutation.swapDevice');
    const loan = await store.loan(input.loanId);
    if (!loan || loan.personId !== v.personId) throw notFound('Loan');
    if (loan.status !== 'ACTIVE') return refused('NOT_ALLOWED', 'Only a device you have now is swapped.');
    const fault = await faultOf(db.read, input.faultId);
    if (!fault || fault.category !== loan.category)
      return refused('INVALID', `Pick the fault from the list for a ${loan.category}.`, 'faultId');
    const note = input.faultNote?.trim() || null;
    if (note && note.length > HANDOUT_LIMITS.note)
      return refused('INVALID', `The note is longer than ${HANDOUT_LIMITS.note} characters.`, 'faultNote');
    const person = await people.findById(loan.personId);
    const bank = await lockers.store.getBank(input.bankId);
    if (!person) throw notFound('Person');
    if (!bank) return refused('INVALID', 'No such locker bank.', 'bankId');
    if (!(await devices.isOnline(bank.id)))
      return refused('BANK_OFFLINE', `${bank.name} is not connected right now, so no door can open.`);
    const old = await assets.get(loan.assetId);
    if (!old) throw notFound('Asset');
    const now = clock.now();
    let made: { dropOff: HandoutRow; replacement: HandoutRow; newLoan: LoanRow; returning: LoanRow; c: CompartmentRow };
    try {
      made = await handover.inTurn([bank.id], async (tx) => {
        // The same model if one is free, else any charged loaner of the category.
        const pool =
          (await store.poolAt(tx, bank.id, { model: old.model }))[0] ??
          (await store.poolAt(tx, bank.id, { category: loan.category }))[0];
        if (!pool)
          throw new Refusal(refused('NONE_AVAILABLE', `No replacement ${loan.category} is free at ${bank.name} now.`));
        const fresh = await store.loan(loan.id, tx);
        if (fresh?.status !== 'ACTIVE') throw new Refusal(refused('NOT_ALLOWED', 'A return was started already.'));
        const replacementAsset = (await assets.get(pool.assetId, tx))!;
        const { h: dropOff, compartment } = await reserveDropOff(tx, loan, bank, person, now, {
          faultId: fault.id,
          faultNote: note,
          expiresAt: new Date(now.getTime() + SELF_SERVICE_WINDOW_MS),
        });
        const created = await newLoan(tx, pool, replacementAsset, person, bank.siteId, now, {
          source: 'SWAP',
          replacesLoanId: loan.id,
          kind: loan.kind,
          // A swap keeps the loan's terms: the replacement is due when the broken one was.
          dueAt: loan.dueAt,
        });
        const replacement = await claimLoaner(tx, pool, created.id, person.id, now);
        const linkedDrop = await store.updateHandout(tx, dropOff.id, { swapWith: replacement.id }, now);
        const linkedRepl = await store.updateHandout(tx, replacement.id, { swapWith: dropOff.id }, now);
        const returning = await store.updateLoan(tx, loan.id, { status: 'RETURNING' }, now);
        return { dropOff: linkedDrop, replacement: linkedRepl, newLoan: created, returning, c: compartment };
      });
    } catch (err) {
      if (err instanceof Refusal) return err.result;
      throw err;
    }
    lockers.publishCompartments([made.c]);
    // First the empty door for the broken device; its close opens the replacement's (the event hook).
    const open = await openDoor(made.dropOff, 'SWAP', person.id, deps.openCommandTtlMs);
    if (!open.ok) {
      publish(made.dropOff, made.returning);
      return refused('BANK_OFFLINE', `${open.message} Use the drop-off code in My devices.`);
    }
    const opened = await begin(made.dropOff, 'DEPOSIT', 'SWAP');
    publish(opened, made.returning);
    publish(made.replacement, made.newLoan);
    return done(made.returning, opened, open.command, made.replacement);
  }

  // --- sweep ----------------------------------------------------------------------

  async function sweep() {
    const now = clock.now();
    for (const h of await store.expired(now)) {
      const result = await db.transaction(async (tx) => {
        const fresh = await store.handout(h.id, tx);
        if (!fresh || fresh.operation || !fresh.expiresAt || fresh.expiresAt > now) return null;
        if (fresh.status === 'AWAITING_DROPOFF') {
          // The drop-off did not happen: free the compartment, the loan is active again.
          const c = fresh.compartmentId ? await handover.releaseReservation(tx, fresh.compartmentId, now) : undefined;
          const u = await store.updateHandout(
            tx,
            fresh.id,
            { status: 'CANCELLED', codeLookup: null, completedAt: now },
            now,
          );
          const l = fresh.loanId ? await store.updateLoan(tx, fresh.loanId, { status: 'ACTIVE' }, now) : null;
          return { u, l, c, pool: false };
        }
        if (fresh.status === 'READY' && fresh.loanId) {
          // A self-service, swap, waitlist or booking loaner not taken in time goes back to the pool.
          const loan = await store.loan(fresh.loanId, tx);
          if (loan?.status !== 'PENDING' || loan.source === 'DESK' || loan.source === 'CAMPAIGN') return null;
          const { u, l } = await releaseToPool(tx, fresh, now);
          return { u, l, c: undefined, pool: true };
        }
        return null;
      });
      if (!result) continue;
      if (result.c) lockers.publishCompartments([result.c]);
      publish(result.u, result.l);
      if (result.pool) onPoolChanged(result.u);
    }
    // Loaded for a later slot (a booking): its person is told when the slot begins.
    for (const h of await store.dueNotices(now)) {
      const updated = await db.transaction(async (tx) => {
        const fresh = await store.handout(h.id, tx);
        if (fresh?.status !== 'READY' || fresh.noticeSentAt || !fresh.personId) return null;
        const asset = await assets.get(fresh.assetId, tx);
        if (asset) await noticeReady(tx, fresh, asset);
        return store.updateHandout(tx, fresh.id, { noticeSentAt: now }, now);
      });
      if (updated) publish(updated, null);
    }
    notify.kick();
  }

  // --- reads ----------------------------------------------------------------------

  async function visibleLoan(v: Viewer, loan: LoanRow | undefined): Promise<LoanRow | null> {
    if (!loan) return null;
    if (loan.personId === v.personId) return loan;
    const scope = grantOf(v, 'Query.loans');
    if (scope === 'all') return loan;
    if (scope === 'department' && v.department) {
      const p = await people.findById(loan.personId);
      return p?.department === v.department ? loan : null;
    }
    return null;
  }

  return {
    store,
    asset: (id: string) => assets.get(id),
    codeHolder,
    onControllerEvent,
    sweep,
    onPoolChanged: (listener: (h: HandoutRow) => void) => poolListeners.push(listener),
    onCollected: (listener: (h: HandoutRow) => void) => collectedListeners.push(listener),

    /**
     * Offers a pool loaner to a waiting person: their loan (PENDING), a code
     * held for `holdMs`, and a notice. The rules are checked again now; the
     * refusal (or null when someone else claimed it first) otherwise.
     */
    async offerLoaner(h: HandoutRow, personId: string, holdMs: number): Promise<HandoutResult> {
      const person = await people.findById(personId);
      const asset = await assets.get(h.assetId);
      const bank = h.bankId ? await lockers.store.getBank(h.bankId) : undefined;
      if (!person || person.disabledAt || !asset || !bank) return refused('INVALID', 'No such person or loaner.');
      const policy = await policyFor(person, asset.category, bank.siteId);
      const now = clock.now();
      try {
        const { loan, claimed } = await db.transaction(async (tx) => {
          const rule = await ruleRefusal(tx, person, asset.category, policy);
          if (rule) throw new Refusal(rule);
          const fresh = await store.handout(h.id, tx);
          if (!fresh || fresh.status !== 'READY' || fresh.personId)
            throw new Refusal(refused('NONE_AVAILABLE', 'Someone took that loaner just now.'));
          const loan = await newLoan(tx, fresh, asset, person, bank.siteId, now, {});
          const claimed = await claimLoaner(tx, fresh, loan.id, person.id, now, holdMs);
          await noticeReady(tx, claimed, asset);
          return { loan, claimed };
        });
        publish(claimed, loan);
        notify.kick();
        return done(loan, claimed);
      } catch (err) {
        if (err instanceof Refusal) return err.result;
        throw err;
      }
    },
    /** Pool loaners of a category at a site's banks now (the waitlist's supply). */
    async poolOfSite(siteId: string, category: string) {
      const found: HandoutRow[] = [];
      for (const bank of await lockers.store.listBanks(siteId))
        found.push(...(await store.poolAt(db.read, bank.id, { category })));
      return found;
    },
    ruleCheck: async (person: PersonRow, category: string, siteId: string | null) =>
      ruleRefusal(db.read, person, category, await policyFor(person, category, siteId)),
    policyFor,
    /** Ends a handout for the system (a lapsed or cancelled booking): unloaded ones are cancelled, loaded ones pooled. */
    async cancelAsSystem(handoutId: string) {
      const h = await store.handout(handoutId);
      if (!h) return;
      if (h.status === 'AWAITING_LOAD') {
        await cancelEmpty(h, null);
        return;
      }
      if (h.status !== 'READY' || h.operation) return;
      const now = clock.now();
      const released = await db.transaction(async (tx) => {
        const fresh = await store.handout(h.id, tx);
        return fresh?.status === 'READY' && !fresh.operation ? releaseToPool(tx, fresh, now) : null;
      });
      if (!released) return;
      publish(released.u, released.l);
      onPoolChanged(released.u);
    },
    createForBooking: (
      viewer: Viewer | null,
      input: {
        assetTag: string;
        personId: string;
        bankId: string;
        bookingId: string;
        availableAt: Date;
        expiresAt: Date;
      },
    ) =>
      createHandout(
        viewer,
        { assetTag: input.assetTag, personId: input.personId, bankId: input.bankId },
        { ...input, source: 'BOOKING' },
      ),
    /** A campaign's item: a desk handout that remembers its campaign item and slot. */
    createForCampaign: (
      viewer: Viewer | null,
      input: Parameters<typeof createHandout>[1],
      origin: { campaignItemId: string; availableAt: Date },
    ) => createHandout(viewer, input, { ...origin, source: 'CAMPAIGN' }),
    createHandout,
    loadHandout,
    cancelHandout,
    startReturn,
    collectReturn,
    renew,
    borrowLoaner,
    swapDevice,

    async checkInAsset(
      viewer: Viewer | null,
      tag: string,
      outcome: 'IN_STOCK' | 'IN_REPAIR' | 'LOST',
      note: string | null,
    ) {
      const v = authorize(viewer, 'Mutation.checkInAsset');
      const trimmed = note?.trim() || null;
      if (trimmed && trimmed.length > HANDOUT_LIMITS.note)
        throw badInput(`The note is longer than ${HANDOUT_LIMITS.note} characters.`, { field: 'note' });
      return checkIn(v, tag, outcome, trimmed);
    },

    /** One result per tag, in the order given; a tag listed twice is checked in once. */
    async bulkCheckIn(viewer: Viewer | null, tags: readonly string[], outcome: 'IN_STOCK' | 'IN_REPAIR' | 'LOST') {
      const v = authorize(viewer, 'Mutation.bulkCheckIn');
      if (tags.length > HANDOUT_LIMITS.bulk)
        throw badInput(`At most ${HANDOUT_LIMITS.bulk} tags at once.`, { field: 'assetTags' });
      const seen = new Set<string>();
      const results: CheckInResult[] = [];
      for (const tag of tags) {
        const key = normaliseTag(tag);
        if (seen.has(key)) {
          results.push({
            tag: tag.trim().slice(0, 64),
            ok: false,
            message: 'Scanned twice: checked in once above.',
            asset: null,
            loan: null,
          });
          continue;
        }
        seen.add(key);
        results.push(await checkIn(v, tag, outcome, null));
      }
      return results;
    },

    /** The viewer may open the door of their handout from the app: collect it, or drop it off. */
    async openMine(viewer: Viewer | null, handoutId: string): Promise<HandoutResult> {
      const v = authorize(viewer, 'Mutation.openMyHandout');
      const h = await store.handout(handoutId);
      if (!h || h.personId !== v.personId) throw notFound('Handout');
      if (!h.bankId || !redeemable(h, h.bankId))
        return refused(
          'NOT_ALLOWED',
          h.availableAt && h.availableAt > clock.now()
            ? 'It may be collected from its slot on.'
            : 'It is not waiting in a locker.',
        );
      if (!(await devices.isOnline(h.bankId)))
        return refused('BANK_OFFLINE', 'The locker is not connected right now: use the keypad code.');
      const opened = await openFor(h, 'REMOTE', v.personId);
      if (!opened || opened.__typename !== 'PickupOpened')
        return refused('BANK_OFFLINE', 'The locker did not take the command: use the keypad code.');
      const fresh = (await store.handout(h.id))!;
      return done(h.loanId ? ((await store.loan(h.loanId)) ?? null) : null, fresh, opened.command);
    },

    async acceptAgreement(viewer: Viewer | null, category: string, signature: string): Promise<boolean> {
      const v = authorize(viewer, 'Mutation.acceptLoanAgreement');
      const person = await people.findById(v.personId);
      if (!person) throw notFound('Person');
      const cat = category.trim().toLowerCase().slice(0, 40);
      if (!cat) throw badInput('Say which category.', { field: 'category' });
      const typed = signature.trim();
      if (!typed || typed.length > HANDOUT_LIMITS.signature || !sameName(typed, person.name))
        throw badInput(`Type your full name as it is on your account (${person.name}).`, { field: 'signature' });
      await db.transaction((tx) =>
        store.acceptAgreement(tx, { personId: person.id, category: cat, signature: typed, acceptedAt: clock.now() }),
      );
      return true;
    },

    async myLoans(viewer: Viewer | null) {
      const v = authorize(viewer, 'Query.myLoans');
      return store.loansOf(v.personId);
    },

    async loans(
      viewer: Viewer | null,
      filter: {
        status?: LoanRow['status'] | null;
        personId?: string | null;
        search?: string | null;
        overdueOnly?: boolean | null;
      },
      limit: number,
    ) {
      const v = authorize(viewer, 'Query.loans');
      const capped = Math.min(Math.max(limit, 1), 500);
      const search = filter.search?.trim().slice(0, HANDOUT_LIMITS.search) || null;
      const scope = grantOf(v, 'Query.loans');
      if (scope !== 'all' && !v.department) return [];
      return store.searchLoans(
        {
          status: filter.status ?? null,
          personId: filter.personId ?? null,
          search,
          overdueBefore: filter.overdueOnly ? clock.now() : null,
          department: scope === 'all' ? null : v.department,
        },
        capped,
      );
    },

    async handouts(
      viewer: Viewer | null,
      filter: { status?: HandoutRow['status'] | null; direction?: 'OUT' | 'IN' | null; bankId?: string | null },
      limit: number,
    ) {
      authorize(viewer, 'Query.handouts');
      return store.searchHandouts(filter, Math.min(Math.max(limit, 1), 500));
    },

    async loanerPool(viewer: Viewer | null, bankId: string) {
      const v = authorize(viewer, 'Query.loanerPool');
      if (!(await lockers.visibleBank(v, bankId))) throw notFound('Locker bank');
      const counts = new Map<string, { model: string; category: string; available: number }>();
      for (const h of await store.poolAt(db.read, bankId)) {
        const entry = counts.get(h.model) ?? { model: h.model, category: h.category, available: 0 };
        entry.available++;
        counts.set(h.model, entry);
      }
      return [...counts.values()].sort((a, b) => a.model.localeCompare(b.model));
    },

    visibleLoan: async (viewer: Viewer | null, loanId: string | null) => {
      if (!viewer || !loanId) return null;
      return visibleLoan(viewer, await store.loan(loanId));
    },

    /** The code, for the person the handout is for, while it opens the door. */
    codeFor(viewer: Viewer | null, h: HandoutRow): string | null {
      if (!viewer || viewer.personId !== h.personId || !h.codeLookup) return null;
      if (h.status !== 'READY' && h.status !== 'AWAITING_DROPOFF') return null;
      return deriveCode(secret, h.id, h.codeVersion);
    },

    faultLabel: async (h: HandoutRow) => (h.faultId ? ((await faultOf(db.read, h.faultId))?.label ?? null) : null),

    subscribeMine(viewer: Viewer | null) {
      const v = authorize(viewer, 'Subscription.myLoanUpdated');
      return transformIterator(bus.subscribe<LoanRow>(handoutTopics.loansOf(v.personId)), (l) =>
        l.personId === v.personId ? l : undefined,
      );
    },
    subscribeAll(viewer: Viewer | null) {
      authorize(viewer, 'Subscription.handoutUpdated');
      return bus.subscribe<HandoutRow>(handoutTopics.all);
    },
    openLoanStatuses: OPEN_LOAN_STATUSES,
  };
}

export type HandoutService = ReturnType<typeof createHandoutService>;
