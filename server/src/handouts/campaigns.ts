/**
 * Bulk handout campaigns: laptops at semester start, gifts at the holidays.
 *
 *   plan: a CSV of recipients and items (columns `email` and `tag`, any
 *   order, any case; others are read past) is checked line by line — an
 *   unknown recipient or tag, a line repeated, an item listed twice or not in
 *   stock, a recipient the loan rules refuse — and, when every line is good,
 *   planned across the chosen banks and time slots within their capacity
 *   (the fitting compartments each bank has: charging ones for laptops). The
 *   plan is shown before anything happens (`dryRun`); confirming stores it.
 *
 *   prepare: for each bank, the next planned items are given a handout as
 *   compartments are free (a desk handout remembering its campaign item, its
 *   person told when it is loaded and its slot has begun); staff load them
 *   with the guided flow (scan the tag, the door opens, close it).
 *
 * An item's progress is read from its loan and handout, never kept twice:
 * PLANNED, LOADING, READY, COLLECTED, OVERDUE or FAILED (with the reason).
 */
import { asc, eq } from 'drizzle-orm';
import { authorize } from '../access/authorize.js';
import type { AssetStore } from '../assets/store.js';
import { normaliseTag, type AssetRow } from '../assets/types.js';
import type { Db } from '../db/index.js';
import type { LockerStore } from '../lockers/store.js';
import type { PeopleService } from '../people/service.js';
import type { PersonRow, Viewer } from '../people/types.js';
import type { Clock } from '../shared/clock.js';
import { parseCsv } from '../shared/csv.js';
import { badInput, notFound } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import type { campaignItems, campaigns } from '../../../drizzle/schema/index.js';
import type { HandoutService } from './service.js';
import { isOverdue, type HandoutRow, type LoanRow } from './types.js';

export type CampaignRow = typeof campaigns.$inferSelect;
export type CampaignItemRow = typeof campaignItems.$inferSelect;
export type ItemProgress = 'PLANNED' | 'LOADING' | 'READY' | 'COLLECTED' | 'OVERDUE' | 'FAILED';

export const CAMPAIGN_LIMITS = { lines: 5_000, bytes: 1_000_000, name: 120, banks: 20, slots: 200 } as const;

export interface PlanLine {
  line: number;
  person: PersonRow;
  asset: AssetRow;
  bankId: string;
  slotStartsAt: Date;
}
export interface PlanSlot {
  bankId: string;
  startsAt: Date;
  count: number;
}
export interface PlanError {
  line: number;
  field: string | null;
  message: string;
}
export interface CampaignPlanResult {
  applied: boolean;
  campaign: CampaignRow | null;
  lines: PlanLine[];
  errors: PlanError[];
  /** Per bank and slot, how many items. */
  slots: PlanSlot[];
}

export function createCampaignService(deps: {
  db: Db;
  clock: Clock;
  handouts: HandoutService;
  assets: AssetStore;
  lockers: LockerStore;
  people: PeopleService;
  chargingCategories: readonly string[];
}) {
  const { db, clock, handouts, assets, lockers, people } = deps;
  const { campaigns, campaignItems, compartments } = db.tables;
  const charging = new Set(deps.chargingCategories.map((c) => c.toLowerCase()));

  /** How many items of a category a bank holds at once: its fitting, usable compartments. */
  async function capacity(bankId: string, category: string): Promise<number> {
    const rows = await db.read
      .select({ id: compartments.id, hasCharging: compartments.hasCharging, state: compartments.state })
      .from(compartments)
      .where(eq(compartments.bankId, bankId));
    return rows.filter((c) => c.state !== 'OUT_OF_SERVICE' && (!charging.has(category) || c.hasCharging)).length;
  }

  async function plan(
    viewer: Viewer | null,
    input: {
      name: string;
      csv: string;
      bankIds: readonly string[];
      startsAt: Date;
      slotMinutes: number;
      kind: 'LOAN' | 'ASSIGNMENT';
      dueAt: Date | null;
      dryRun: boolean;
    },
  ): Promise<CampaignPlanResult> {
    const v = authorize(viewer, 'Mutation.planCampaign');
    const name = input.name.trim();
    if (!name || name.length > CAMPAIGN_LIMITS.name)
      throw badInput(`Name the campaign (at most ${CAMPAIGN_LIMITS.name} characters).`, { field: 'name' });
    if (input.csv.length > CAMPAIGN_LIMITS.bytes) throw badInput('The file is larger than 1 MB.', { field: 'csv' });
    const bankIds = [...new Set(input.bankIds)];
    if (bankIds.length === 0 || bankIds.length > CAMPAIGN_LIMITS.banks)
      throw badInput(`Choose 1 to ${CAMPAIGN_LIMITS.banks} banks.`, { field: 'bankIds' });
    for (const id of bankIds) if (!(await lockers.getBank(id))) throw badInput('No such bank.', { field: 'bankIds' });
    if (!Number.isInteger(input.slotMinutes) || input.slotMinutes < 15 || input.slotMinutes > 7 * 24 * 60)
      throw badInput('A slot is 15 minutes to 7 days.', { field: 'slotMinutes' });
    if (input.kind === 'LOAN' && (!input.dueAt || input.dueAt <= input.startsAt))
      throw badInput('A loan campaign needs a due time after its start.', { field: 'dueAt' });

    const rows = parseCsv(input.csv).filter((r) => r.some((c) => c.trim()));
    const header = (rows.shift() ?? []).map((h) =>
      h
        .trim()
        .toLowerCase()
        .replace(/[\s-]+/g, '_'),
    );
    const col = (n: string) => header.indexOf(n);
    const errors: PlanError[] = [];
    if (col('tag') < 0 || col('email') < 0)
      return {
        applied: false,
        campaign: null,
        lines: [],
        slots: [],
        errors: [{ line: 1, field: null, message: 'The header needs the columns email and tag.' }],
      };
    if (rows.length > CAMPAIGN_LIMITS.lines)
      throw badInput(`At most ${CAMPAIGN_LIMITS.lines} lines.`, { field: 'csv' });

    const seenLines = new Map<string, number>();
    const seenTags = new Map<string, number>();
    const good: { line: number; person: PersonRow; asset: AssetRow }[] = [];
    for (const [i, r] of rows.entries()) {
      const line = i + 2;
      const email = (r[col('email')] ?? '').trim().toLowerCase();
      const tag = normaliseTag(r[col('tag')] ?? '');
      const whole = `${email}|${tag}`;
      if (seenLines.has(whole)) {
        errors.push({ line, field: null, message: `The same as line ${seenLines.get(whole)}.` });
        continue;
      }
      seenLines.set(whole, line);
      if (!tag || tag.length > 64) {
        errors.push({ line, field: 'tag', message: 'No tag.' });
        continue;
      }
      if (seenTags.has(tag)) {
        errors.push({ line, field: 'tag', message: `${tag} is listed on line ${seenTags.get(tag)} already.` });
        continue;
      }
      seenTags.set(tag, line);
      const person = email ? await people.findByEmail(email.slice(0, 320)) : undefined;
      if (!person || person.disabledAt) {
        errors.push({ line, field: 'email', message: `No recipient ${email || '(empty)'}.` });
        continue;
      }
      const asset = await assets.byTagKey(tag);
      if (!asset) {
        errors.push({ line, field: 'tag', message: `Unknown tag ${tag}.` });
        continue;
      }
      if (asset.status !== 'IN_STOCK') {
        errors.push({
          line,
          field: 'tag',
          message: `${asset.tag} is ${asset.status.toLowerCase().replaceAll('_', ' ')}.`,
        });
        continue;
      }
      if (input.kind === 'LOAN') {
        const bank = (await lockers.getBank(bankIds[0]!))!;
        const rule = await handouts.ruleCheck(person, asset.category, bank.siteId);
        if (rule?.__typename === 'HandoutRefused') {
          errors.push({ line, field: 'email', message: rule.message });
          continue;
        }
      }
      good.push({ line, person, asset });
    }

    // Round-robin over the banks; a bank's slot holds as many as it has fitting compartments.
    const lines: PlanLine[] = [];
    const used = new Map<string, number>();
    const caps = new Map<string, number>();
    let turn = 0;
    for (const item of good) {
      let placed = false;
      for (let slot = 0; slot < CAMPAIGN_LIMITS.slots && !placed; slot++) {
        for (let k = 0; k < bankIds.length && !placed; k++) {
          const bankId = bankIds[(turn + k) % bankIds.length]!;
          const capKey = `${bankId}|${item.asset.category}`;
          if (!caps.has(capKey)) caps.set(capKey, await capacity(bankId, item.asset.category));
          const key = `${bankId}|${slot}`;
          if ((used.get(key) ?? 0) >= caps.get(capKey)!) continue;
          used.set(key, (used.get(key) ?? 0) + 1);
          lines.push({
            ...item,
            bankId,
            slotStartsAt: new Date(input.startsAt.getTime() + slot * input.slotMinutes * 60_000),
          });
          placed = true;
          turn = (turn + k + 1) % bankIds.length;
        }
      }
      if (!placed)
        errors.push({ line: item.line, field: 'tag', message: 'No bank chosen has a fitting compartment for it.' });
    }
    const slots = [...used.entries()].map(([key, count]) => {
      const [bankId, slot] = key.split('|') as [string, string];
      return {
        bankId,
        startsAt: new Date(input.startsAt.getTime() + Number(slot) * input.slotMinutes * 60_000),
        count,
      };
    });
    if (errors.length || input.dryRun) return { applied: false, campaign: null, lines, errors, slots };

    const now = clock.now();
    const campaign = await db.transaction(async (tx) => {
      const c = (
        await tx
          .insert(campaigns)
          .values({
            id: newId('cmp'),
            name,
            status: 'RUNNING',
            kind: input.kind,
            dueAt: input.dueAt,
            createdBy: v.personId,
            createdAt: now,
            updatedAt: now,
          })
          .returning()
      )[0]!;
      for (const l of lines)
        await tx.insert(campaignItems).values({
          id: newId('cmi'),
          campaignId: c.id,
          line: l.line,
          personId: l.person.id,
          assetId: l.asset.id,
          bankId: l.bankId,
          slotStartsAt: l.slotStartsAt,
          loanId: null,
          status: 'PLANNED',
          error: null,
          updatedAt: now,
        });
      return c;
    });
    return { applied: true, campaign, lines, errors, slots };
  }

  const items = (campaignId: string) =>
    db.read
      .select()
      .from(campaignItems)
      .where(eq(campaignItems.campaignId, campaignId))
      .orderBy(asc(campaignItems.slotStartsAt), asc(campaignItems.line));

  /** Gives the next planned items a handout where compartments are free; returns how many. */
  async function prepare(viewer: Viewer | null, campaignId: string): Promise<{ prepared: number; waiting: number }> {
    authorize(viewer, 'Mutation.prepareCampaign');
    const [c] = await db.read.select().from(campaigns).where(eq(campaigns.id, campaignId)).limit(1);
    if (!c) throw notFound('Campaign');
    let prepared = 0;
    let waiting = 0;
    const full = new Set<string>();
    for (const item of await items(c.id)) {
      if (item.status !== 'PLANNED' || item.loanId) continue;
      const asset = await assets.get(item.assetId);
      const fullKey = `${item.bankId}|${asset?.category}`;
      if (full.has(fullKey)) {
        waiting++;
        continue;
      }
      const result = await handouts.createForCampaign(
        viewer,
        {
          assetId: item.assetId,
          personId: item.personId,
          bankId: item.bankId,
          kind: c.kind,
          dueAt: c.kind === 'LOAN' ? c.dueAt : null,
          overrideReason: `Campaign "${c.name}"`,
        },
        { campaignItemId: item.id, availableAt: item.slotStartsAt },
      );
      const now = clock.now();
      if (result.__typename === 'HandoutDone') {
        prepared++;
        await db.transaction((tx) =>
          tx
            .update(campaignItems)
            .set({ loanId: result.loan?.id ?? null, updatedAt: now })
            .where(eq(campaignItems.id, item.id)),
        );
      } else if (result.reason === 'NO_COMPARTMENT') {
        // The bank is full for now: the rest of its items wait for the next round.
        full.add(fullKey);
        waiting++;
      } else {
        await db.transaction((tx) =>
          tx
            .update(campaignItems)
            .set({ status: 'FAILED', error: result.message, updatedAt: now })
            .where(eq(campaignItems.id, item.id)),
        );
      }
    }
    return { prepared, waiting };
  }

  /** An item's progress, from its loan and its latest handout. */
  async function progressOf(
    item: CampaignItemRow,
  ): Promise<{ status: ItemProgress; handout: HandoutRow | null; loan: LoanRow | null }> {
    if (item.status === 'FAILED') return { status: 'FAILED', handout: null, loan: null };
    if (!item.loanId) return { status: 'PLANNED', handout: null, loan: null };
    const loan = (await handouts.store.loan(item.loanId)) ?? null;
    const handout = (await handouts.store.handoutsOfLoan(item.loanId)).find((h) => h.direction === 'OUT') ?? null;
    if (!loan || loan.status === 'CANCELLED' || loan.status === 'LOST') return { status: 'FAILED', handout, loan };
    if (loan.status === 'PENDING') return { status: handout?.status === 'READY' ? 'READY' : 'LOADING', handout, loan };
    return { status: isOverdue(loan, clock.now()) ? 'OVERDUE' : 'COLLECTED', handout, loan };
  }

  return {
    plan,
    prepare,
    progressOf,
    items,
    async list(viewer: Viewer | null) {
      authorize(viewer, 'Query.campaigns');
      return db.read.select().from(campaigns).orderBy(asc(campaigns.createdAt)).limit(200);
    },
    async get(viewer: Viewer | null, id: string) {
      authorize(viewer, 'Query.campaign');
      return (await db.read.select().from(campaigns).where(eq(campaigns.id, id)).limit(1))[0] ?? null;
    },
    async counts(campaign: CampaignRow) {
      const counts: Record<ItemProgress, number> = {
        PLANNED: 0,
        LOADING: 0,
        READY: 0,
        COLLECTED: 0,
        OVERDUE: 0,
        FAILED: 0,
      };
      for (const item of await items(campaign.id)) counts[(await progressOf(item)).status]++;
      return counts;
    },
  };
}

export type CampaignService = ReturnType<typeof createCampaignService>;
