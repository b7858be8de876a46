/**
 * The loan policy engine: which rules apply to a person of a role borrowing
 * an item of a category at a site, and what they add up to.
 *
 * A rule names a scope (category, role, site; '*' is any) and sets some of
 * the settings below, leaving the others null ("not set here"). A rule
 * matches when each of its named keys equals the request's. For each
 * setting on its own, the most specific matching rule that sets it wins,
 * scored category 4, site 2, role 1: so "laptops for students on the
 * north campus" beats "laptops for students", which beats "laptops",
 * which beats "anything at the north campus", and a rule can change one
 * setting and inherit the rest. Scopes are unique, so there are no ties.
 * A setting no rule sets takes its default (DEFAULTS): nobody is eligible
 * until a rule says so.
 */
import type { loanPolicies } from '../../../drizzle/schema/assets.js';

export type LoanPolicyRow = typeof loanPolicies.$inferSelect;

export const ANY = '*';

export const POLICY_SETTINGS = [
  'eligible',
  'maxLoanHours',
  'dueBy',
  'maxItems',
  'renewals',
  'renewalHours',
  'renewWindowHours',
  'requiresAgreement',
  'blockWhenOverdue',
  'reminders',
  'escalateAfterHours',
  'offerHoldMinutes',
  'noShowMinutes',
] as const;
export type PolicySetting = (typeof POLICY_SETTINGS)[number];

export interface EffectivePolicy {
  /** May this role borrow this category here at all. */
  eligible: boolean;
  /** Longest loan; null: no limit (an assignment). */
  maxLoanHours: number | null;
  /** "HH:MM" (site time): the latest a loan is due on its last day; null: any time. */
  dueBy: string | null;
  /** Items of this category one person may hold at once. */
  maxItems: number;
  renewals: number;
  /** How much a renewal adds; null: maxLoanHours again. */
  renewalHours: number | null;
  /** Renewals open this many hours before the due time; null: any time before it. */
  renewWindowHours: number | null;
  /** The agreement is accepted (a typed name) before the first such loan. */
  requiresAgreement: boolean;
  /** No new loan while one is overdue. */
  blockWhenOverdue: boolean;
  /** The reminder ladder: offsets from the due time ("-24h,0,+1h"), optionally ending in "daily". */
  reminders: string;
  /** Hours overdue after which the person's department contact is told; null: never. */
  escalateAfterHours: number | null;
  /** Minutes a waitlist offer is held for the person it is offered to. */
  offerHoldMinutes: number;
  /** Minutes after a booking's start before a no-show is released. */
  noShowMinutes: number;
}

export const DEFAULTS: EffectivePolicy = {
  eligible: false,
  maxLoanHours: null,
  dueBy: null,
  maxItems: 1,
  renewals: 0,
  renewalHours: null,
  renewWindowHours: null,
  requiresAgreement: false,
  blockWhenOverdue: true,
  reminders: '-24h,0,+1h,daily',
  escalateAfterHours: 72,
  offerHoldMinutes: 30,
  noShowMinutes: 60,
};

export interface PolicyRequest {
  category: string;
  role: string;
  siteId: string | null;
}

/** Which rule decided a setting; null: the default. */
export type Decisions = Record<PolicySetting, LoanPolicyRow | null>;

export const specificity = (rule: Pick<LoanPolicyRow, 'category' | 'role' | 'siteId'>): number =>
  (rule.category !== ANY ? 4 : 0) + (rule.siteId !== ANY ? 2 : 0) + (rule.role !== ANY ? 1 : 0);

export function matches(rule: Pick<LoanPolicyRow, 'category' | 'role' | 'siteId'>, request: PolicyRequest): boolean {
  return (
    (rule.category === ANY || rule.category === request.category.toLowerCase()) &&
    (rule.role === ANY || rule.role === request.role) &&
    (rule.siteId === ANY || rule.siteId === request.siteId)
  );
}

/** The policy for a request, and which rule decided each setting. */
export function evaluate(
  rules: readonly LoanPolicyRow[],
  request: PolicyRequest,
): { policy: EffectivePolicy; decidedBy: Decisions } {
  const applicable = rules.filter((r) => matches(r, request)).sort((a, b) => specificity(b) - specificity(a));
  const policy = { ...DEFAULTS } as Record<PolicySetting, unknown>;
  const decidedBy = Object.fromEntries(POLICY_SETTINGS.map((s) => [s, null])) as Decisions;
  for (const setting of POLICY_SETTINGS) {
    const rule = applicable.find((r) => r[setting] !== null);
    if (rule) {
      policy[setting] = rule[setting];
      decidedBy[setting] = rule;
    }
  }
  return { policy: policy as unknown as EffectivePolicy, decidedBy };
}

/** "laptop × STUDENT × any site", for people. */
export function describeScope(rule: Pick<LoanPolicyRow, 'category' | 'role' | 'siteId'>, siteName?: string): string {
  const part = (value: string, any: string) => (value === ANY ? any : value);
  return `${part(rule.category, 'any category')} × ${part(rule.role, 'any role')} × ${
    rule.siteId === ANY ? 'any site' : (siteName ?? rule.siteId)
  }`;
}

/** One step of a reminder ladder: hours from the due time (negative: before it). */
export interface ReminderLadder {
  offsetsHours: number[];
  /** After the last offset, once a day while overdue. */
  daily: boolean;
}

/** Reads "-24h,0,+1h,daily" (h or d units; at most 10 steps). Null when malformed. */
export function parseReminderLadder(text: string): ReminderLadder | null {
  const parts = text.replace(/\s+/g, '').toLowerCase().split(',').filter(Boolean);
  if (parts.length === 0 || parts.length > 11) return null;
  const daily = parts[parts.length - 1] === 'daily';
  const offsets = daily ? parts.slice(0, -1) : parts;
  const offsetsHours: number[] = [];
  for (const p of offsets) {
    const m = /^([+-]?)(\d{1,4})([hd]?)$/.exec(p);
    if (!m) return null;
    const n = Number(m[2]) * (m[3] === 'd' ? 24 : 1) * (m[1] === '-' ? -1 : 1);
    if (Math.abs(n) > 24 * 60) return null;
    offsetsHours.push(n);
  }
  offsetsHours.sort((a, b) => a - b);
  return { offsetsHours, daily };
}

/** Why a reminder ladder is refused, or null when it reads. */
export function reminderLadderProblem(text: string): string | null {
  if (text.length > 100) return 'reminders is longer than 100 characters.';
  return parseReminderLadder(text)
    ? null
    : 'reminders is a list of offsets from the due time, like -24h,0,+1h,daily (h or d; daily only last; at most 10).';
}
