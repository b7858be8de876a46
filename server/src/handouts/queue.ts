/**
 * Bookings and the waitlist: loaners ahead of time, and in turn.
 *
 * A **booking** is a count of a model at a bank for a future time, not
 * particular units: IT loads units for it before the slot (loadForBooking,
 * then the usual scan at the bank); each waits in its compartment with its
 * code dead until the slot begins, when the person is told (the handout
 * sweep). A no-show is released `noShowMinutes` after the start: the units
 * loaded go to the bank's self-service pool, and the waitlist is offered them.
 *
 * The **waitlist** is first come, first served per category and site. When
 * a loaner enters the pool (loaded, or released by a lapsed booking or an
 * unclaimed offer), the first person waiting is offered it at once: their
 * loan, a code held `offerHoldMinutes`, and a notice. An offer not taken in
 * time goes back to the pool and on to the next person. The sweep runs the
 * same check every 15 s, so an offer is never more than that late even when
 * the event was seen on another instance.
 */
import { and, asc, eq, gt, inArray, lt, ne, sql } from 'drizzle-orm';
import { authorize, grantOf } from '../access/authorize.js';
import type { Db } from '../db/index.js';
import type { LockerStore } from '../lockers/store.js';
import type { PeopleService } from '../people/service.js';
import type { Viewer } from '../people/types.js';
import type { Clock } from '../shared/clock.js';
import { notFound } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import type { Logger } from '../shared/logger.js';
import type { bookings, waitlistEntries } from '../../../drizzle/schema/index.js';
import type { HandoutResult, HandoutService, LoanCalendar } from './service.js';
import type { HandoutRow } from './types.js';

export type BookingRow = typeof bookings.$inferSelect;
export type WaitlistRow = typeof waitlistEntries.$inferSelect;

export type QueueResult =
  | { __typename: 'QueueDone'; booking: BookingRow | null; entry: WaitlistRow | null }
  | Extract<HandoutResult, { __typename: 'HandoutRefused' }>;

const BOOKING_HORIZON_MS = 90 * 24 * 3_600_000;
const refused = (
  reason: Extract<HandoutResult, { __typename: 'HandoutRefused' }>['reason'],
  message: string,
  field: string | null = null,
): QueueResult => ({ __typename: 'HandoutRefused', reason, field, message });

export function createQueueService(deps: {
  db: Db;
  clock: Clock;
  logger: Logger;
  handouts: HandoutService;
  lockers: LockerStore;
  people: PeopleService;
  calendar: LoanCalendar;
}) {
  const { db, clock, logger, handouts, lockers, people } = deps;
  const { bookings, waitlistEntries, assets, assetHandouts, loans } = db.tables;

  // --- the waitlist -----------------------------------------------------------------

  /** Offers free pool loaners of a category at a site to the people waiting, in turn. */
  async function offerNext(siteId: string, category: string) {
    const now = clock.now();
    for (const loaner of await handouts.poolOfSite(siteId, category)) {
      for (;;) {
        const [next] = await db.read
          .select()
          .from(waitlistEntries)
          .where(
            and(
              eq(waitlistEntries.category, category),
              eq(waitlistEntries.siteId, siteId),
              eq(waitlistEntries.status, 'WAITING'),
            ),
          )
          .orderBy(asc(waitlistEntries.createdAt), asc(waitlistEntries.id))
          .limit(1);
        if (!next) return;
        const person = await people.findById(next.personId);
        const policy = person ? await handouts.policyFor(person, category, siteId) : undefined;
        const holdMs = (policy?.offerHoldMinutes ?? 30) * 60_000;
        // Claim the entry first: two instances never offer one person twice.
        const claimed = await db.transaction(
          async (tx) =>
            (
              await tx
                .update(waitlistEntries)
                .set({
                  status: 'OFFERED',
                  handoutId: loaner.id,
                  offeredAt: now,
                  offerExpiresAt: new Date(now.getTime() + holdMs),
                  updatedAt: now,
                })
                .where(and(eq(waitlistEntries.id, next.id), eq(waitlistEntries.status, 'WAITING')))
                .returning()
            )[0],
        );
        if (!claimed) continue;
        const offered = await handouts.offerLoaner(loaner, next.personId, holdMs);
        if (offered.__typename === 'HandoutDone') break;
        // Someone took this loaner meanwhile: the person keeps their place. Otherwise the rules
        // refuse them now (e.g. an overdue loan): they leave the list, with the reason logged.
        const keep = offered.reason === 'NONE_AVAILABLE';
        await db.transaction((tx) =>
          tx
            .update(waitlistEntries)
            .set({
              status: keep ? 'WAITING' : 'CANCELLED',
              handoutId: null,
              offeredAt: null,
              offerExpiresAt: null,
              updatedAt: now,
            })
            .where(eq(waitlistEntries.id, next.id)),
        );
        if (keep) break;
        logger.info({ entryId: next.id, reason: offered.reason }, 'waitlist entry dropped: the rules refuse it now');
      }
    }
  }

  /** A loaner entered the pool: close the offer it was held under, if any, and offer it on. */
  async function poolChanged(h: HandoutRow) {
    const now = clock.now();
    await db.transaction((tx) =>
      tx
        .update(waitlistEntries)
        .set({ status: 'EXPIRED', updatedAt: now })
        .where(and(eq(waitlistEntries.handoutId, h.id), eq(waitlistEntries.status, 'OFFERED'))),
    );
    const asset = (await db.read.select().from(assets).where(eq(assets.id, h.assetId)).limit(1))[0];
    const bank = h.bankId ? await lockers.getBank(h.bankId) : undefined;
    if (asset && bank) await offerNext(bank.siteId, asset.category);
  }

  async function collected(h: HandoutRow) {
    const now = clock.now();
    await db.transaction(async (tx) => {
      await tx
        .update(waitlistEntries)
        .set({ status: 'TAKEN', updatedAt: now })
        .where(and(eq(waitlistEntries.handoutId, h.id), eq(waitlistEntries.status, 'OFFERED')));
      if (!h.bookingId) return;
      // A booking is collected once none of its units waits any more.
      const waiting = await tx
        .select({ id: assetHandouts.id })
        .from(assetHandouts)
        .where(and(eq(assetHandouts.bookingId, h.bookingId), inArray(assetHandouts.status, ['AWAITING_LOAD', 'READY'])))
        .limit(1);
      if (!waiting.length)
        await tx
          .update(bookings)
          .set({ status: 'COLLECTED', updatedAt: now, version: sql`${bookings.version} + 1` })
          .where(and(eq(bookings.id, h.bookingId), inArray(bookings.status, ['BOOKED', 'READY'])));
    });
  }

  handouts.onPoolChanged(
    (h) => void poolChanged(h).catch((err: unknown) => logger.error({ err }, 'waitlist offer failed')),
  );
  handouts.onCollected((h) => void collected(h).catch((err: unknown) => logger.error({ err }, 'queue close failed')));

  const position = async (entry: WaitlistRow): Promise<number | null> => {
    if (entry.status !== 'WAITING') return null;
    const ahead = await db.read
      .select({ n: sql<number>`count(*)` })
      .from(waitlistEntries)
      .where(
        and(
          eq(waitlistEntries.category, entry.category),
          eq(waitlistEntries.siteId, entry.siteId),
          eq(waitlistEntries.status, 'WAITING'),
          lt(waitlistEntries.createdAt, entry.createdAt),
        ),
      );
    return Number(ahead[0]?.n ?? 0) + 1;
  };

  // --- bookings ---------------------------------------------------------------------

  async function sweep() {
    const now = clock.now();
    // Slots begun: READY (the handout sweep tells the person about each loaded unit).
    await db.transaction((tx) =>
      tx
        .update(bookings)
        .set({ status: 'READY', updatedAt: now, version: sql`${bookings.version} + 1` })
        .where(and(eq(bookings.status, 'BOOKED'), lt(bookings.startsAt, now), gt(bookings.lapsesAt, now))),
    );
    // No-shows: lapsed; units not yet loaded are cancelled (loaded ones go to the pool by their expiry).
    const lapsed = await db.read
      .select()
      .from(bookings)
      .where(and(inArray(bookings.status, ['BOOKED', 'READY']), lt(bookings.lapsesAt, now)));
    for (const b of lapsed) {
      const unloaded = await db.read
        .select()
        .from(assetHandouts)
        .where(and(eq(assetHandouts.bookingId, b.id), eq(assetHandouts.status, 'AWAITING_LOAD')));
      for (const h of unloaded) await handouts.cancelAsSystem(h.id);
      await db.transaction((tx) =>
        tx
          .update(bookings)
          .set({ status: 'LAPSED', updatedAt: now, version: sql`${bookings.version} + 1` })
          .where(and(eq(bookings.id, b.id), inArray(bookings.status, ['BOOKED', 'READY']))),
      );
      logger.info({ bookingId: b.id }, 'booking lapsed: no-show');
    }
    // Offers that ran out are closed by the handout sweep (back to the pool → poolChanged); waiting
    // people are offered whatever the pool holds, in case an event was missed.
    const waiting = await db.read
      .selectDistinct({ category: waitlistEntries.category, siteId: waitlistEntries.siteId })
      .from(waitlistEntries)
      .where(eq(waitlistEntries.status, 'WAITING'));
    for (const w of waiting) await offerNext(w.siteId, w.category);
  }

  return {
    sweep,
    position,

    async join(viewer: Viewer | null, input: { category: string; siteId: string }): Promise<QueueResult> {
      const v = authorize(viewer, 'Mutation.joinWaitlist');
      const person = await people.findById(v.personId);
      if (!person) throw notFound('Person');
      const category = input.category.trim().toLowerCase().slice(0, 40);
      if (!category) return refused('INVALID', 'Say which kind of device (category).', 'category');
      if (!(await lockers.getSite(input.siteId))) return refused('INVALID', 'No such site.', 'siteId');
      const rule = await handouts.ruleCheck(person, category, input.siteId);
      if (rule?.__typename === 'HandoutRefused') return rule;
      const now = clock.now();
      const entry = await db.transaction(async (tx) => {
        const existing = (
          await tx
            .select()
            .from(waitlistEntries)
            .where(
              and(
                eq(waitlistEntries.personId, person.id),
                eq(waitlistEntries.category, category),
                eq(waitlistEntries.siteId, input.siteId),
                inArray(waitlistEntries.status, ['WAITING', 'OFFERED']),
              ),
            )
            .limit(1)
        )[0];
        if (existing) return existing;
        return (
          await tx
            .insert(waitlistEntries)
            .values({
              id: newId('wl'),
              personId: person.id,
              category,
              siteId: input.siteId,
              status: 'WAITING',
              handoutId: null,
              offeredAt: null,
              offerExpiresAt: null,
              createdAt: now,
              updatedAt: now,
            })
            .returning()
        )[0]!;
      });
      // A loaner may be free right now.
      await offerNext(input.siteId, category);
      const fresh = (await db.read.select().from(waitlistEntries).where(eq(waitlistEntries.id, entry.id)).limit(1))[0];
      return { __typename: 'QueueDone', booking: null, entry: fresh ?? entry };
    },

    async leave(viewer: Viewer | null, entryId: string): Promise<boolean> {
      const v = authorize(viewer, 'Mutation.leaveWaitlist');
      const now = clock.now();
      const rows = await db.transaction((tx) =>
        tx
          .update(waitlistEntries)
          .set({ status: 'CANCELLED', updatedAt: now })
          .where(
            and(
              eq(waitlistEntries.id, entryId),
              eq(waitlistEntries.personId, v.personId),
              eq(waitlistEntries.status, 'WAITING'),
            ),
          )
          .returning(),
      );
      return rows.length > 0;
    },

    async mine(viewer: Viewer | null) {
      const v = authorize(viewer, 'Query.myWaitlist');
      return db.read
        .select()
        .from(waitlistEntries)
        .where(and(eq(waitlistEntries.personId, v.personId), inArray(waitlistEntries.status, ['WAITING', 'OFFERED'])))
        .orderBy(asc(waitlistEntries.createdAt));
    },

    async book(
      viewer: Viewer | null,
      input: { bankId: string; model: string; count: number; startsAt: Date },
    ): Promise<QueueResult> {
      const v = authorize(viewer, 'Mutation.bookLoaners');
      const person = await people.findById(v.personId);
      if (!person) throw notFound('Person');
      const bank = await lockers.getBank(input.bankId);
      if (!bank) return refused('INVALID', 'No such locker bank.', 'bankId');
      const model = input.model.trim().slice(0, 120);
      const [sample] = await db.read.select().from(assets).where(eq(assets.model, model)).limit(1);
      if (!sample) return refused('INVALID', `No ${model || 'such model'} is in the register.`, 'model');
      const now = clock.now();
      if (!Number.isInteger(input.count) || input.count < 1 || input.count > 20)
        return refused('INVALID', 'Book 1 to 20.', 'count');
      if (input.startsAt <= now) return refused('DUE_NOT_ALLOWED', 'The slot is in the past.', 'startsAt');
      if (input.startsAt.getTime() > now.getTime() + BOOKING_HORIZON_MS)
        return refused('DUE_NOT_ALLOWED', 'Book at most 90 days ahead.', 'startsAt');
      if (!(await deps.calendar.isOpen(bank.siteId, input.startsAt)))
        return refused(
          'SITE_CLOSED',
          'The site is closed then (opening hours or a closed day): choose another time.',
          'startsAt',
        );
      const policy = await handouts.policyFor(person, sample.category, bank.siteId);
      const rule = await handouts.ruleCheck(person, sample.category, bank.siteId);
      if (rule && (rule.__typename !== 'HandoutRefused' || rule.reason !== 'LIMIT_REACHED')) return rule as QueueResult;
      const held = (
        await db.read
          .select({ id: loans.id })
          .from(loans)
          .where(
            and(
              eq(loans.personId, person.id),
              eq(loans.category, sample.category),
              inArray(loans.status, ['PENDING', 'ACTIVE', 'RETURNING']),
            ),
          )
      ).length;
      const booked = (
        await db.read
          .select({ n: sql<number>`coalesce(sum(${bookings.count}), 0)` })
          .from(bookings)
          .where(
            and(
              eq(bookings.personId, person.id),
              eq(bookings.category, sample.category),
              inArray(bookings.status, ['BOOKED', 'READY']),
            ),
          )
      )[0];
      if (held + Number(booked?.n ?? 0) + input.count > policy.maxItems)
        return refused(
          'LIMIT_REACHED',
          `The rules allow ${policy.maxItems} ${sample.category}${policy.maxItems === 1 ? '' : 's'} per person, bookings included.`,
          'count',
        );
      // Enough units of the model for the bookings of that day?
      const units = (
        await db.read
          .select({ n: sql<number>`count(*)` })
          .from(assets)
          .where(and(eq(assets.model, model), ne(assets.status, 'RETIRED'), ne(assets.status, 'LOST')))
      )[0];
      const dayStart = new Date(input.startsAt.getTime() - 12 * 3_600_000);
      const dayEnd = new Date(input.startsAt.getTime() + 12 * 3_600_000);
      const sameDay = (
        await db.read
          .select({ n: sql<number>`coalesce(sum(${bookings.count}), 0)` })
          .from(bookings)
          .where(
            and(
              eq(bookings.model, model),
              inArray(bookings.status, ['BOOKED', 'READY']),
              gt(bookings.startsAt, dayStart),
              lt(bookings.startsAt, dayEnd),
            ),
          )
      )[0];
      if (Number(sameDay?.n ?? 0) + input.count > Number(units?.n ?? 0))
        return refused('NONE_AVAILABLE', `Not enough ${model} units are free around then.`, 'count');
      const booking = await db.transaction(
        async (tx) =>
          (
            await tx
              .insert(bookings)
              .values({
                id: newId('bk'),
                personId: person.id,
                bankId: bank.id,
                model,
                category: sample.category,
                count: input.count,
                startsAt: input.startsAt,
                lapsesAt: new Date(input.startsAt.getTime() + policy.noShowMinutes * 60_000),
                status: 'BOOKED',
                createdAt: now,
                updatedAt: now,
              })
              .returning()
          )[0]!,
      );
      return { __typename: 'QueueDone', booking, entry: null };
    },

    async cancelBooking(viewer: Viewer | null, bookingId: string): Promise<QueueResult> {
      const v = authorize(viewer, 'Mutation.cancelBooking');
      const [b] = await db.read.select().from(bookings).where(eq(bookings.id, bookingId)).limit(1);
      if (!b || (b.personId !== v.personId && grantOf(v, 'Mutation.cancelBooking') !== 'all'))
        throw notFound('Booking');
      if (b.status !== 'BOOKED' && b.status !== 'READY') return refused('NOT_ALLOWED', 'This booking is over.');
      const units = await db.read
        .select()
        .from(assetHandouts)
        .where(and(eq(assetHandouts.bookingId, b.id), inArray(assetHandouts.status, ['AWAITING_LOAD', 'READY'])));
      for (const h of units) await handouts.cancelAsSystem(h.id);
      const now = clock.now();
      const [updated] = await db.transaction((tx) =>
        tx
          .update(bookings)
          .set({ status: 'CANCELLED', updatedAt: now, version: sql`${bookings.version} + 1` })
          .where(eq(bookings.id, b.id))
          .returning(),
      );
      return { __typename: 'QueueDone', booking: updated ?? b, entry: null };
    },

    async mineBookings(viewer: Viewer | null) {
      const v = authorize(viewer, 'Query.myBookings');
      return db.read
        .select()
        .from(bookings)
        .where(eq(bookings.personId, v.personId))
        .orderBy(asc(bookings.startsAt))
        .limit(100);
    },

    async bookings(viewer: Viewer | null, filter: { status?: BookingRow['status'] | null }, limit: number) {
      authorize(viewer, 'Query.bookings');
      return db.read
        .select()
        .from(bookings)
        .where(filter.status ? eq(bookings.status, filter.status) : undefined)
        .orderBy(asc(bookings.startsAt))
        .limit(Math.min(Math.max(limit, 1), 500));
    },

    /** IT: a unit of the booked model for the booking; the usual scan at the bank loads it. */
    async loadForBooking(viewer: Viewer | null, bookingId: string, assetTag: string): Promise<HandoutResult> {
      authorize(viewer, 'Mutation.loadForBooking');
      const [b] = await db.read.select().from(bookings).where(eq(bookings.id, bookingId)).limit(1);
      if (!b) throw notFound('Booking');
      if (b.status !== 'BOOKED' && b.status !== 'READY')
        return { __typename: 'HandoutRefused', reason: 'NOT_ALLOWED', field: null, message: 'This booking is over.' };
      const loadedSoFar = (
        await db.read
          .select({ id: assetHandouts.id })
          .from(assetHandouts)
          .where(and(eq(assetHandouts.bookingId, b.id), ne(assetHandouts.status, 'CANCELLED')))
      ).length;
      if (loadedSoFar >= b.count)
        return {
          __typename: 'HandoutRefused',
          reason: 'NOT_ALLOWED',
          field: null,
          message: `All ${b.count} units of this booking are prepared already.`,
        };
      const [a] = await db.read
        .select()
        .from(assets)
        .where(eq(assets.tagKey, assetTag.replace(/\s+/g, '').toUpperCase().slice(0, 64)))
        .limit(1);
      if (a && a.model !== b.model)
        return {
          __typename: 'HandoutRefused',
          reason: 'INVALID',
          field: 'assetTag',
          message: `This booking is for a ${b.model}; ${a.tag} is a ${a.model}.`,
        };
      return handouts.createForBooking(viewer, {
        assetTag,
        personId: b.personId,
        bankId: b.bankId,
        bookingId: b.id,
        availableAt: b.startsAt,
        expiresAt: b.lapsesAt,
      });
    },
  };
}

export type QueueService = ReturnType<typeof createQueueService>;
