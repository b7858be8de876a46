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
