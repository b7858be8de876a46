/**
 * Loan rules as data: IT and admins add, change and remove them, and ask
 * what they add up to for a category, role and site (policy.ts decides).
 * The loan flows (issue 9) will ask the same `effective` before each loan.
 */
import { authorize } from '../access/authorize.js';
import type { Db } from '../db/index.js';
import type { LockerStore } from '../lockers/store.js';
import type { Role, Viewer } from '../people/types.js';
import type { Clock } from '../shared/clock.js';
import { newId } from '../shared/ids.js';
import {
  ANY,
  describeScope,
  evaluate,
  POLICY_SETTINGS,
  reminderLadderProblem,
  type LoanPolicyRow,
  type PolicySetting,
} from './policy.js';
import type { AssetStore } from './store.js';

export interface LoanPolicyInput {
  category?: string | null;
  role?: Role | null;
  siteId?: string | null;
  eligible?: boolean | null;
  maxLoanHours?: number | null;
  dueBy?: string | null;
  maxItems?: number | null;
  renewals?: number | null;
  renewalHours?: number | null;
  renewWindowHours?: number | null;
  requiresAgreement?: boolean | null;
  blockWhenOverdue?: boolean | null;
  reminders?: string | null;
  escalateAfterHours?: number | null;
  offerHoldMinutes?: number | null;
  noShowMinutes?: number | null;
  note?: string | null;
}

export type LoanPolicyResult =
  | { __typename: 'LoanPolicySaved'; policy: LoanPolicyRow }
  | {
      __typename: 'LoanPolicyRefused';
      reason: 'DUPLICATE_SCOPE' | 'INVALID' | 'VERSION_CONFLICT' | 'NOT_FOUND';
      field: string | null;
      message: string;
      current: LoanPolicyRow | null;
    };

/** Allowed ranges of the numeric settings. */
const RANGES: Partial<Record<PolicySetting, [number, number]>> = {
  maxLoanHours: [1, 8_760],
  maxItems: [1, 100],
  renewals: [0, 20],
  renewalHours: [1, 8_760],
  renewWindowHours: [1, 720],
  escalateAfterHours: [1, 8_760],
  offerHoldMinutes: [1, 10_080],
  noShowMinutes: [1, 10_080],
};

export function createLoanPolicyService(deps: { db: Db; store: AssetStore; lockers: LockerStore; clock: Clock }) {
  const { db, store, lockers, clock } = deps;
  const refused = (
    reason: Extract<LoanPolicyResult, { __typename: 'LoanPolicyRefused' }>['reason'],
    message: string,
    field: string | null = null,
    current: LoanPolicyRow | null = null,
  ): LoanPolicyResult => ({ __typename: 'LoanPolicyRefused', reason, field, message, current });

  /** The row's fields from the input, or the refusal naming the field at fault. */
  async function fieldsOf(
    input: LoanPolicyInput,
  ): Promise<Omit<LoanPolicyRow, 'id' | 'version' | 'updatedAt'> | LoanPolicyResult> {
    const category = (input.category ?? '').trim().toLowerCase() || ANY;
    if (category.length > 40) return refused('INVALID', 'category is longer than 40 characters.', 'category');
    if (category !== ANY && !/^[\p{L}\p{N} _-]+$/u.test(category))
      return refused('INVALID', 'category holds characters a category name does not have.', 'category');
    const siteId = input.siteId ?? ANY;
    if (siteId !== ANY && !(await lockers.getSite(siteId))) return refused('INVALID', 'No site has this id.', 'siteId');
    for (const [setting, [min, max]] of Object.entries(RANGES) as [PolicySetting, [number, number]][]) {
      const v = input[setting];
      if (v !== null && v !== undefined && (!Number.isInteger(v) || (v as number) < min || (v as number) > max))
        return refused('INVALID', `${setting} must be a whole number from ${min} to ${max}.`, setting);
    }
    const dueBy = input.dueBy?.trim() || null;
    if (dueBy && !/^([01]\d|2[0-3]):[0-5]\d$/.test(dueBy))
      return refused('INVALID', 'dueBy is a time of day as HH:MM, 24-hour (e.g. 22:00).', 'dueBy');
    const reminders = input.reminders?.replace(/\s+/g, '') || null;
    if (reminders !== null) {
      const problem = reminderLadderProblem(reminders);
      if (problem) return refused('INVALID', problem, 'reminders');
    }
    const note = (input.note ?? '').trim();
    if (note.length > 500) return refused('INVALID', 'note is longer than 500 characters.', 'note');
    return {
      category,
      role: input.role ?? ANY,
      siteId,
      eligible: input.eligible ?? null,
      maxLoanHours: input.maxLoanHours ?? null,
      dueBy,
      maxItems: input.maxItems ?? null,
      renewals: input.renewals ?? null,
      renewalHours: input.renewalHours ?? null,
      renewWindowHours: input.renewWindowHours ?? null,
      requiresAgreement: input.requiresAgreement ?? null,
      blockWhenOverdue: input.blockWhenOverdue ?? null,
      reminders,
      escalateAfterHours: input.escalateAfterHours ?? null,
      offerHoldMinutes: input.offerHoldMinutes ?? null,
      noShowMinutes: input.noShowMinutes ?? null,
      note,
    };
  }

  return {
    list(viewer: Viewer | null): Promise<LoanPolicyRow[]> {
      authorize(viewer, 'Query.loanPolicies');
      return store.policies();
    },

    async effective(viewer: Viewer | null, request: { category: string; role: Role; siteId: string | null }) {
      authorize(viewer, 'Query.effectiveLoanPolicy');
      const { policy, decidedBy } = evaluate(await store.policies(), {
        category: request.category.trim().slice(0, 40),
        role: request.role,
        siteId: request.siteId ?? null,
      });
      const sites = new Map((await lockers.listSites()).map((s) => [s.id, s.name]));
      return {
        ...policy,
        decidedBy: POLICY_SETTINGS.map((setting) => {
          const rule = decidedBy[setting];
          return {
            setting,
            policy: rule,
            scope: rule ? describeScope(rule, sites.get(rule.siteId)) : 'default',
          };
        }),
      };
    },

    async save(
      viewer: Viewer | null,
      id: string | null,
      version: number | null,
      input: LoanPolicyInput,
    ): Promise<LoanPolicyResult> {
      authorize(viewer, 'Mutation.saveLoanPolicy');
      const fields = await fieldsOf(input);
      if ('__typename' in fields) return fields;
      return db.transaction(async (tx): Promise<LoanPolicyResult> => {
        const same = await store.policyByScope(tx, fields);
        if (same && same.id !== id)
          return refused(
            'DUPLICATE_SCOPE',
            `A rule for ${describeScope(same)} exists already: change that one.`,
            'category',
            same,
          );
        const now = clock.now();
        if (!id)
          return {
            __typename: 'LoanPolicySaved',
            policy: await store.insertPolicy(tx, { id: newId('lp'), ...fields, updatedAt: now }),
          };
        const current = await store.policy(id, tx);
        if (!current) return refused('NOT_FOUND', 'No loan rule has this id.', 'id');
        if (version === null || current.version !== version)
          return refused('VERSION_CONFLICT', 'The rule was changed meanwhile: look at it again.', 'version', current);
        return { __typename: 'LoanPolicySaved', policy: (await store.updatePolicyAt(tx, id, version, fields, now))! };
      });
    },

    async remove(viewer: Viewer | null, id: string): Promise<boolean> {
      authorize(viewer, 'Mutation.deleteLoanPolicy');
      return db.transaction((tx) => store.deletePolicy(tx, id));
    },
  };
}

export type LoanPolicyService = ReturnType<typeof createLoanPolicyService>;
