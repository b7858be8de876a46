/**
 * Sites, banks and compartments: creation, visibility and live updates.
 * Publishes to the bus only after the store's transaction has committed.
 */
import { z } from 'zod';
import type { Bus } from '../bus/index.js';
import type { Db } from '../db/index.js';
import { authorize } from '../access/authorize.js';
import { bankScope, bankScopeOf, canReadEvents, inScope } from '../access/scope.js';
import type { Viewer } from '../people/types.js';
import { transformIterator } from '../shared/async-iter.js';
import type { Clock } from '../shared/clock.js';
import { sha256 } from '../shared/crypto.js';
import { badInput, forbidden, notFound } from '../shared/errors.js';
import { newId, randomToken } from '../shared/ids.js';
import type { LockerStore } from './store.js';
import { topics, type BankRow, type CompartmentRow } from './types.js';

export const MAX_COMPARTMENTS_PER_BANK = 200;
/** Most events one page of Query.lockerEventLog holds. */
export const EVENT_LOG_PAGE_MAX = 500;

const eventCursor = (id: number) => Buffer.from(String(id)).toString('base64url');
/** The row id a cursor names, or null when it is not one this server made. */
function eventCursorId(cursor: string): number | null {
  if (cursor.length > 24) return null;
  const text = Buffer.from(cursor, 'base64url').toString();
  if (!/^[1-9]\d{0,15}$/.test(text)) return null;
  const id = Number(text);
  return Number.isSafeInteger(id) && eventCursor(id) === cursor ? id : null;
}

const labelSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9-]{1,12}$/, 'Labels are 1–12 letters, digits or dashes, e.g. A07.');

const createBankSchema = z.object({
  siteId: z.string().min(1),
  name: z.string().trim().min(1, 'A bank needs a name.').max(80),
  location: z.string().trim().max(200).default(''),
  department: z.string().trim().max(80).nullish(),
  compartments: z
    .array(
      z.object({
        label: labelSchema,
        size: z.enum(['S', 'M', 'L', 'XL']),
        hasCharging: z.boolean().nullish(),
        accessible: z.boolean().nullish(),
      }),
    )
    .min(1, 'A bank needs at least one compartment.')
    .max(MAX_COMPARTMENTS_PER_BANK, `At most ${MAX_COMPARTMENTS_PER_BANK} compartments per bank.`),
});

const createSiteSchema = z.object({
  name: z.string().trim().min(1, 'A site needs a name.').max(80),
  pickupHoldHours: z
    .number()
    .int()
    .min(1, 'Hold at least 1 hour.')
    .max(720, 'Hold at most 720 hours (30 days).')
    .nullish()
    .transform((h) => h ?? 72),
  timezone: z
    .string()
    .nullish()
    .transform((tz) => tz ?? 'UTC')
    .refine((tz) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, 'Unknown IANA time zone.'),
});

function parse<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input);
  if (!result.success) {
    const first = result.error.issues[0];
    throw badInput(first ? `${first.path.join('.')}: ${first.message}`.replace(/^: /, '') : 'Invalid input.', {
      issues: result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    });
  }
  return result.data;
}

export interface CompartmentCounts {
  total: number;
  available: number;
  inUse: number;
  open: number;
  unavailable: number;
}

export function countCompartments(list: readonly CompartmentRow[]): CompartmentCounts {
  const counts = { total: list.length, available: 0, inUse: 0, open: 0, unavailable: 0 };
  for (const c of list) {
    if (c.state === 'AVAILABLE') counts.available++;
    else if (c.state === 'IN_USE' || c.state === 'RESERVED') counts.inUse++;
    else counts.unavailable++;
    if (c.door === 'OPEN') counts.open++;
  }
  return counts;
}

export function createLockerService({ db, store, bus, clock }: { db: Db; store: LockerStore; bus: Bus; clock: Clock }) {
  /** A bank the viewer may see (through any path), or null: one out of scope looks like one that does not exist. */
  async function visibleBank(viewer: Viewer | null, id: string): Promise<BankRow | null> {
    const bank = await store.getBank(id);
    return bank && inScope(bankScope(viewer), bank) ? bank : null;
  }

  /** Whether a booking (a parcel, later a loan) holds the compartment; set by the domains that book. */
  let isBooked: (compartmentId: string) => boolean | Promise<boolean> = () => false;

  return {
    store,

    setBookingCheck(check: (compartmentId: string) => boolean | Promise<boolean>) {
      isBooked = check;
    },

    publishCompartments(changed: readonly CompartmentRow[]) {
      for (const c of changed) {
        bus.publish(topics.compartment(c.bankId), c);
        bus.publish(topics.compartmentAll, c);
      }
    },
    publishBank(bank: BankRow) {
      bus.publish(topics.bankAll, bank);
    },

    visibleBank,

    /** Sites with a bank the viewer may see (all sites for those who see every bank). */
    async listSites(viewer: Viewer | null) {
      const v = authorize(viewer, 'Query.sites');
      const scope = bankScopeOf(v, 'Query.sites');
      if (scope.kind === 'all') return store.listSites();
      const siteIds = new Set((await store.listBanks()).filter((b) => inScope(scope, b)).map((b) => b.siteId));
      return (await store.listSites()).filter((s) => siteIds.has(s.id));
    },

    async listBanks(viewer: Viewer | null, siteId?: string | null): Promise<BankRow[]> {
      const v = authorize(viewer, 'Query.lockerBanks');
      return this.visibleBanks(v, siteId);
    },

    /** The banks of a site (or all) the viewer may see: for fields that lead to banks (Site.banks). */
    async visibleBanks(viewer: Viewer | null, siteId?: string | null): Promise<BankRow[]> {
      const scope = bankScope(viewer);
      return (await store.listBanks(siteId)).filter((b) => inScope(scope, b));
    },

    /** Null rather than an error: a bank you may not see looks like one that does not exist. */
    async findBank(viewer: Viewer | null, id: string): Promise<BankRow | null> {
      return visibleBank(authorize(viewer, 'Query.lockerBank'), id);
    },

    /** The event log of a bank: operators, and a department for its own banks. */
    async events(viewer: Viewer | null, bankId: string, limit: number) {
      const v = authorize(viewer, 'Query.lockerEvents');
      const bank = await visibleBank(v, bankId);
      if (!bank) throw notFound('Locker bank');
      if (!canReadEvents(v, bank)) throw forbidden('Only operators and the owning department read the event log.');
      return store.recentEvents(bankId, Math.min(Math.max(limit, 1), 500));
    },

    /**
     * A bank's whole log, newest first, a page at a time (Query.lockerEventLog).
     * The cursor is opaque to clients: the base64url of the last row's id.
     */
    async eventLog(
      viewer: Viewer | null,
      input: { bankId: string; first: number; after: string | null; problemsOnly: boolean },
    ) {
      const v = authorize(viewer, 'Query.lockerEventLog');
      const bank = await visibleBank(v, input.bankId);
      if (!bank) throw notFound('Locker bank');
      if (!inScope(bankScopeOf(v, 'Query.lockerEventLog'), bank)) {
        throw forbidden('Only operators and the owning department read the event log.');
      }
      if (!Number.isInteger(input.first) || input.first < 1 || input.first > EVENT_LOG_PAGE_MAX) {
        throw badInput(`first must be from 1 to ${EVENT_LOG_PAGE_MAX}.`, { field: 'first' });
      }
      const beforeId = input.after === null ? null : eventCursorId(input.after);
      if (beforeId === null && input.after !== null) throw badInput('Unknown cursor.', { field: 'after' });
      const rows = await store.eventLogPage(bank.id, {
        limit: input.first + 1,
        beforeId,
        problemsOnly: input.problemsOnly,
      });
      const events = rows.slice(0, input.first);
      const hasNextPage = rows.length > input.first;
      const last = events.at(-1);
      return { events, hasNextPage, endCursor: hasNextPage && last ? eventCursor(last.id) : null };
    },

    async createSite(
      viewer: Viewer | null,
      input: { name: string; timezone?: string | null; pickupHoldHours?: number | null },
    ) {
      authorize(viewer, 'Mutation.createSite');
      const data = parse(createSiteSchema, input);
      return store.insertSite({
        id: newId('site'),
        name: data.name,
        timezone: data.timezone,
        pickupHoldHours: data.pickupHoldHours,
        createdAt: clock.now(),
      });
    },

    /**
     * Staff take a compartment out of service (it is never chosen for a
     * deposit and refuses openings except a staff override) or put it back.
     */
    async setOutOfService(
      viewer: Viewer | null,
      input: { bankId: string; label: string; outOfService: boolean; reason: string },
    ) {
      const v = authorize(viewer, 'Mutation.setCompartmentOutOfService');
      const bank = await store.getBank(input.bankId);
      if (!bank || !inScope(bankScopeOf(v, 'Mutation.setCompartmentOutOfService'), bank)) throw notFound('Locker bank');
      const compartment = await store.findCompartment(input.bankId, input.label.trim().toUpperCase());
      if (!compartment) throw notFound('Compartment');
      const reason = input.reason.trim();
      if (reason.length < 3) throw badInput('Give a reason (at least 3 characters).', { field: 'reason' });
      const state = input.outOfService
        ? ('OUT_OF_SERVICE' as const)
        : compartment.occupancy === 'OCCUPIED' || (await isBooked(compartment.id))
          ? ('IN_USE' as const)
          : ('AVAILABLE' as const);
      const updated = await db.transaction((tx) =>
        store.updateCompartmentIn(
          tx,
          compartment.id,
          { state, outOfServiceReason: input.outOfService ? reason.slice(0, 200) : null },
          clock.now(),
        ),
      );
      this.publishCompartments([updated]);
      return updated;
    },

    /** Creates a bank and its compartments; the device token is returned once and only its hash kept. */
    async createLockerBank(viewer: Viewer | null, input: unknown): Promise<{ bank: BankRow; deviceToken: string }> {
      authorize(viewer, 'Mutation.createLockerBank');
      const data = parse(createBankSchema, input);
      if (!(await store.getSite(data.siteId))) throw badInput('Unknown site.', { field: 'siteId' });
      const labels = data.compartments.map((c) => c.label.toUpperCase());
      const dup = labels.find((l, i) => labels.indexOf(l) !== i);
      if (dup) throw badInput(`Compartment label ${dup} appears twice.`, { field: 'compartments' });
      const deviceToken = randomToken('bld');
      const now = clock.now();
      const bank = await store.insertBankWithCompartments(
        {
          id: newId('bank'),
          siteId: data.siteId,
          name: data.name,
          location: data.location,
          department: data.department ?? null,
          deviceTokenHash: sha256(deviceToken),
          createdAt: now,
          updatedAt: now,
        },
        data.compartments.map((c, i) => ({
          id: newId('cmp'),
          label: labels[i] ?? c.label,
          size: c.size,
          hasCharging: c.hasCharging ?? false,
          accessible: c.accessible ?? false,
          updatedAt: now,
        })),
      );
      this.publishBank(bank);
      return { bank, deviceToken };
    },

    findBankByDeviceToken: async (token: string) => store.findBankByTokenHash(sha256(token)),

    findCompartment: async (bankId: string, label: string) => store.findCompartment(bankId, label.toUpperCase()),

    /**
     * Live compartment states the viewer may see. Visibility is decided when
     * subscribing and cached per bank, so each event costs a map lookup (see
     * DESIGN-NOTES: fan-out cost).
     */
    async subscribeCompartments(
      viewer: Viewer | null,
      bankId?: string | null,
    ): Promise<AsyncIterableIterator<CompartmentRow>> {
      const scope = bankScopeOf(
        authorize(viewer, 'Subscription.compartmentUpdated'),
        'Subscription.compartmentUpdated',
      );
      // A bank's answer is cached once known; until then, events for it share one lookup.
      const visible = new Map<string, boolean>();
      const pending = new Map<string, Promise<boolean>>();
      const lookUp = (id: string): Promise<boolean> => {
        let p = pending.get(id);
        if (!p) {
          p = store.getBank(id).then(
            (bank) => {
              const ok = !!bank && inScope(scope, bank);
              visible.set(id, ok);
              return ok;
            },
            (err: unknown) => {
              pending.delete(id); // not cached: the next event asks again
              throw err;
            },
          );
          pending.set(id, p);
        }
        return p;
      };
      const isVisible = (id: string): boolean | Promise<boolean> => visible.get(id) ?? lookUp(id);
      if (bankId && !(await isVisible(bankId))) throw notFound('Locker bank');
      const source = bus.subscribe<CompartmentRow>(bankId ? topics.compartment(bankId) : topics.compartmentAll);
      return transformIterator(source, (c) => {
        const ok = isVisible(c.bankId);
        // The common case costs a map lookup and no promise.
        return typeof ok === 'boolean' ? (ok ? c : undefined) : ok.then((yes) => (yes ? c : undefined));
      });
    },

    /** Synchronous: it reads no database (the rows come whole on the bus). */
    subscribeBanks(viewer: Viewer | null, siteId?: string | null): AsyncIterableIterator<BankRow> {
      const scope = bankScopeOf(authorize(viewer, 'Subscription.lockerBankUpdated'), 'Subscription.lockerBankUpdated');
      const source = bus.subscribe<BankRow>(topics.bankAll);
      return transformIterator(source, (bank) =>
        inScope(scope, bank) && (!siteId || bank.siteId === siteId) ? bank : undefined,
      );
    },
  };
}
export type LockerService = ReturnType<typeof createLockerService>;
