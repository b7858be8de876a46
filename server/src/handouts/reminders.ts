/**
 * The overdue ladder: reminders to the person, escalation to their
 * department's contact, and the lost-mode call. `sweep` runs every
 * REMINDER_SWEEP_MS on every instance (app.ts); every step is safe to run
 * twice and at once on several instances.
 *
 * Reminders. Each ACTIVE loan with a due time has a ladder, its category's
 * effective `reminders` for the person's role and site ("-24h,0,+1h,daily":
 * times relative to the due time; "daily" adds one a day after the last
 * offset while the loan is overdue). A person gets at most ONE digest per
 * local day (the time zone of the site of their loan due first), however many
 * items they hold: the notice `loan-digest:<personId>:<YYYY-MM-DD>`, listing
 * every loan they hold with its due time, overdue ones first. A digest is
 * written when a step of any of their loans has come since their last digest;
 * it covers every such step. A step that comes after today's digest waits for
 * tomorrow's. What was sent is kept in the notify outbox itself: a step counts
 * as sent once a digest was written at or after it (looked up by the digest's
 * dedupe key, so every instance sees the same), and the day's key makes a
 * second digest that day impossible. Steps before the loan began, and steps
 * older than two days that no digest covered (the server was down), are not
 * sent. Quiet hours are notify's: a digest written in them is sent when they end.
 *
 * Escalation. A loan overdue by more than its `escalateAfterHours` is told
 * once to the person's department contact (department_contacts by
 * people.department), by e-mail through the notify outbox; `loans.escalatedAt`
 * records it. Without a department or a contact nothing is sent or recorded,
 * so a contact added later is told.
 *
 * Lost mode. A loan overdue by more than TWICE its `escalateAfterHours` gets
 * one MDM LOST_MODE call in the outbound outbox (dedupe key
 * `mdm:lost:<loanId>`, `loans.lostModeAt`), with the asset's tag and serial,
 * the person's e-mail and the due time. No escalateAfterHours: neither.
 */
import { authorize } from '../access/authorize.js';
import { evaluate, parseReminderLadder, DEFAULTS, type LoanPolicyRow, type ReminderLadder } from '../assets/policy.js';
import type { Db } from '../db/index.js';
import type { NotifyService } from '../notify/service.js';
import type { OutboundStore } from '../outbound/store.js';
import { emailSchema } from '../people/service.js';
import type { Viewer } from '../people/types.js';
import type { Clock } from '../shared/clock.js';
import { badInput } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { localDay, zoneFormatter } from './calendar.js';
import type { CalendarStore, DepartmentContactRow, DueLoan } from './calendar-store.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** How far back a step no digest covered is still sent. */
const LOOKBACK_MS = 2 * DAY;
/** Lost mode comes at this many times escalateAfterHours overdue. */
export const LOST_MODE_FACTOR = 2;

/** Whether a step of the ladder of a loan due at `dueAt` falls in (after, until]. */
export function stepBetween(ladder: ReminderLadder, dueAt: Date, after: number, until: number): boolean {
  const due = dueAt.getTime();
  const offsets = ladder.offsetsHours.map((h) => due + h * HOUR);
  if (offsets.some((t) => t > after && t <= until)) return true;
  if (!ladder.daily) return false;
  const last = offsets.length ? Math.max(...offsets) : due;
  // The first daily step after `after`: last + k days, k ≥ 1, and only while overdue (after the due time).
  let k = Math.max(1, Math.floor((after - last) / DAY) + 1);
  while (last + k * DAY <= due) k++;
  const t = last + k * DAY;
  return t > after && t <= until;
}

/** "Tue 13 Jan, 10:00 EST". */
const when = (at: Date, timeZone: string) =>
  zoneFormatter('loan due', timeZone, {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
  }).format(at);

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export interface ReminderServiceDeps {
  db: Db;
  store: CalendarStore;
  notify: NotifyService;
  outbound: OutboundStore;
  /** Every loan rule (the policy engine's input). */
  policies: () => Promise<LoanPolicyRow[]>;
  clock: Clock;
  logger: Logger;
  publicWebUrl: string;
}

export interface SweepResult {
  digests: number;
  escalations: number;
  lostMode: number;
}

export function createReminderService(deps: ReminderServiceDeps) {
  const { db, store, notify, outbound, clock, logger } = deps;
  const loansUrl = `${deps.publicWebUrl.replace(/\/$/, '')}/loans`;

  /** The latest digest written to the person in the last few local days, or null. */
  async function lastDigestAt(personId: string, now: Date, timeZone: string): Promise<number | null> {
    let latest: number | null = null;
    for (let back = 0; back <= 3; back++) {
      const day = localDay(new Date(now.getTime() - back * DAY), timeZone);
      const at = await notify.enqueuedAt(db.read, personId, `loan-digest:${personId}:${day}`);
      if (at && (latest === null || at.getTime() > latest)) latest = at.getTime();
    }
    return latest;
  }

  function digestText(items: readonly DueLoan[], now: Date, timeZone: string) {
    const overdue = items.filter((l) => l.loan.dueAt! <= now);
    const lines = [...items]
      .sort((a, b) => a.loan.dueAt!.getTime() - b.loan.dueAt!.getTime())
      .map(({ loan, asset }) => {
        const what = `${asset.model} (${asset.tag})`;
        return loan.dueAt! <= now
          ? `- OVERDUE since ${when(loan.dueAt!, timeZone)}: ${what}`
          : `- Due ${when(loan.dueAt!, timeZone)}: ${what}`;
      });
    const subject = overdue.length
      ? `${plural(overdue.length, 'loan')} overdue: please bring ${overdue.length === 1 ? 'it' : 'them'} back`
      : `Reminder: ${plural(items.length, 'loan')} due soon`;
    const body = [
      `You have ${plural(items.length, 'item')} on loan:`,
      ...lines,
      'Return them at a Baylight locker or the IT desk, or renew them in the app where the loan rules allow it.',
    ].join('\n');
    return { subject, body };
  }

  async function sendDigests(
    loans: readonly DueLoan[],
    rules: readonly LoanPolicyRow[],
    now: Date,
    zoneOf: (siteId: string | null) => Promise<string>,
  ) {
    const byPerson = new Map<string, DueLoan[]>();
    for (const l of loans) byPerson.set(l.person.id, [...(byPerson.get(l.person.id) ?? []), l]);
    let sent = 0;
    for (const [personId, items] of byPerson) {
      // Loans come earliest due first: the first one's site gives the person's day.
      const timeZone = await zoneOf(items[0]!.loan.siteId);
      const last = await lastDigestAt(personId, now, timeZone);
      const due = items.some(({ loan, person }) => {
        const { reminders } = evaluate(rules, {
          category: loan.category,
          role: person.role,
          siteId: loan.siteId,
        }).policy;
        const ladder = parseReminderLadder(reminders) ?? parseReminderLadder(DEFAULTS.reminders)!;
        const began = (loan.startedAt ?? loan.createdAt).getTime();
        const after = Math.max(last ?? -Infinity, began - 1, now.getTime() - LOOKBACK_MS);
        return stepBetween(ladder, loan.dueAt!, after, now.getTime());
      });
      if (!due) continue;
      const dedupeKey = `loan-digest:${personId}:${localDay(now, timeZone)}`;
      const { subject, body } = digestText(items, now, timeZone);
      await db.transaction((tx) => notify.enqueue(tx, { personId, dedupeKey, subject, body, url: loansUrl, timeZone }));
      sent++;
    }
    return sent;
  }

  async function escalate(l: DueLoan, contact: DepartmentContactRow, now: Date, timeZone: string) {
    const { loan, person, asset } = l;
    const hours = Math.floor((now.getTime() - loan.dueAt!.getTime()) / HOUR);
    return db.transaction(async (tx) => {
      if (!(await store.markOnce(tx, loan.id, 'escalatedAt', now))) return false;
      await notify.enqueueToAddress(tx, {
        to: contact.email,
        dedupeKey: `loan-escalation:${loan.id}`,
        subject: `Overdue loan: ${person.name} (${person.department})`,
        body: [
          `${contact.name ? `Dear ${contact.name},\n\n` : ''}${person.name} <${person.email}> of ${person.department}`,
          `has not returned ${asset.model} (${asset.tag}), due ${when(loan.dueAt!, timeZone)}: ${plural(hours, 'hour')} overdue.`,
          'They have been reminded. Please follow it up with them; IT will put the device in lost mode if it stays out.',
        ].join(' '),
      });
      return true;
    });
  }

  async function lostMode(l: DueLoan, now: Date) {
    const { loan, person, asset } = l;
    return db.transaction(async (tx) => {
      if (!(await store.markOnce(tx, loan.id, 'lostModeAt', now))) return false;
      await outbound.enqueue(
        tx,
        {
          target: 'MDM',
          action: 'LOST_MODE',
          subject: asset.tag,
          payload: {
            loanId: loan.id,
            assetId: asset.id,
            assetTag: asset.tag,
            serial: asset.serial,
            personEmail: person.email,
            dueAt: loan.dueAt!.toISOString(),
          },
          dedupeKey: `mdm:lost:${loan.id}`,
        },
        now,
      );
      return true;
    });
  }

  return {
    async sweep(): Promise<SweepResult> {
      const now = clock.now();
      const loans = await store.dueLoans();
      const zones = new Map<string, string>();
      const zoneOf = async (siteId: string | null) => {
        if (!siteId) return 'UTC';
        let zone = zones.get(siteId);
        if (!zone) zones.set(siteId, (zone = (await store.site(siteId))?.timezone ?? 'UTC'));
        return zone;
      };
      const rules = await deps.policies();
      const result: SweepResult = {
        digests: await sendDigests(loans, rules, now, zoneOf),
        escalations: 0,
        lostMode: 0,
      };
      for (const l of loans) {
        const { escalateAfterHours } = evaluate(rules, {
          category: l.loan.category,
          role: l.person.role,
          siteId: l.loan.siteId,
        }).policy;
        if (escalateAfterHours === null) continue;
        const overdueMs = now.getTime() - l.loan.dueAt!.getTime();
        if (!l.loan.escalatedAt && overdueMs > escalateAfterHours * HOUR && l.person.department) {
          const contact = await store.contact(l.person.department);
          if (contact && (await escalate(l, contact, now, await zoneOf(l.loan.siteId)))) result.escalations++;
        }
        if (!l.loan.lostModeAt && overdueMs > LOST_MODE_FACTOR * escalateAfterHours * HOUR) {
          if (await lostMode(l, now)) {
            result.lostMode++;
            logger.info({ loanId: l.loan.id, assetTag: l.asset.tag }, 'loan overdue: lost-mode call queued');
          }
        }
      }
      if (result.digests || result.escalations) notify.kick();
      return result;
    },

    contacts(viewer: Viewer | null): Promise<DepartmentContactRow[]> {
      authorize(viewer, 'Query.departmentContacts');
      return store.contacts();
    },

    /** Sets the department's contact; a null or empty e-mail removes it (null is returned). */
    async setContact(
      viewer: Viewer | null,
      input: { department: string; email: string | null; name: string | null },
    ): Promise<DepartmentContactRow | null> {
      authorize(viewer, 'Mutation.setDepartmentContact');
      const department = input.department.trim();
      if (!department || department.length > 80)
        throw badInput('department is 1 to 80 characters, as people are imported with it.', { field: 'department' });
      if (!input.email?.trim()) {
        await db.transaction((tx) => store.deleteContact(tx, department));
        return null;
      }
      const email = emailSchema.safeParse(input.email);
      if (!email.success) throw badInput('email is not an e-mail address.', { field: 'email' });
      const name = (input.name ?? '').trim();
      if (name.length > 120) throw badInput('name is longer than 120 characters.', { field: 'name' });
      return db.transaction((tx) => store.upsertContact(tx, { department, email: email.data, name }));
    },
  };
}

export type ReminderService = ReturnType<typeof createReminderService>;
