import { describe, expect, it } from 'vitest';
import { ANY, DEFAULTS, evaluate, specificity, type LoanPolicyRow } from './policy.js';

let n = 0;
function rule(scope: Partial<Pick<LoanPolicyRow, 'category' | 'role' | 'siteId'>>, settings: Partial<LoanPolicyRow>) {
  return {
    id: `lp_${++n}`,
    category: ANY,
    role: ANY,
    siteId: ANY,
    eligible: null,
    maxLoanHours: null,
    dueBy: null,
    maxItems: null,
    renewals: null,
    renewalHours: null,
    renewWindowHours: null,
    requiresAgreement: null,
    blockWhenOverdue: null,
    reminders: null,
    escalateAfterHours: null,
    offerHoldMinutes: null,
    noShowMinutes: null,
    note: '',
    version: 1,
    updatedAt: new Date(0),
    ...scope,
    ...settings,
  } satisfies LoanPolicyRow;
}

const student = { category: 'laptop', role: 'STUDENT', siteId: 'north' };

describe('the loan policy engine', () => {
  it('lets nobody borrow anything until a rule says so', () => {
    expect(evaluate([], student).policy).toEqual(DEFAULTS);
    expect(DEFAULTS.eligible).toBe(false);
  });

  it('scores category over site over role, so the most specific rule wins', () => {
    expect(specificity(rule({ category: 'laptop' }, {}))).toBeGreaterThan(
      specificity(rule({ siteId: 'north', role: 'STUDENT' }, {})),
    );
    expect(specificity(rule({ siteId: 'north' }, {}))).toBeGreaterThan(specificity(rule({ role: 'STUDENT' }, {})));
    const everywhere = rule({}, { eligible: true, maxLoanHours: 24 });
    const atNorth = rule({ siteId: 'north' }, { maxLoanHours: 48 });
    const laptops = rule({ category: 'laptop' }, { maxLoanHours: 72 });
    const laptopsForStudents = rule({ category: 'laptop', role: 'STUDENT' }, { maxLoanHours: 96 });
    const { policy, decidedBy } = evaluate([everywhere, atNorth, laptops, laptopsForStudents], student);
    expect(policy.maxLoanHours).toBe(96);
    expect(decidedBy.maxLoanHours?.id).toBe(laptopsForStudents.id);
    expect(evaluate([everywhere, atNorth, laptops], student).policy.maxLoanHours).toBe(72);
    expect(evaluate([everywhere, atNorth], student).policy.maxLoanHours).toBe(48);
  });

  it('decides each setting on its own: a specific rule changes one and inherits the rest', () => {
    const laptops = rule({ category: 'laptop' }, { eligible: true, maxLoanHours: 72, dueBy: '22:00', renewals: 2 });
    const studentsNoRenewal = rule({ category: 'laptop', role: 'STUDENT' }, { renewals: 0 });
    const { policy, decidedBy } = evaluate([laptops, studentsNoRenewal], student);
    expect(policy).toMatchObject({ eligible: true, maxLoanHours: 72, dueBy: '22:00', renewals: 0, maxItems: 1 });
    expect(decidedBy.renewals?.id).toBe(studentsNoRenewal.id);
    expect(decidedBy.maxLoanHours?.id).toBe(laptops.id);
    expect(decidedBy.maxItems).toBeNull();
  });

  it('ignores rules for other categories, roles and sites, and matches a category in any case', () => {
    const tablets = rule({ category: 'tablet' }, { eligible: true });
    const staff = rule({ role: 'STAFF' }, { eligible: true });
    const south = rule({ siteId: 'south' }, { eligible: true });
    expect(evaluate([tablets, staff, south], student).policy.eligible).toBe(false);
    expect(
      evaluate([rule({ category: 'laptop' }, { eligible: true })], { ...student, category: 'Laptop' }).policy.eligible,
    ).toBe(true);
    // A request with no site matches only rules for any site.
    expect(evaluate([south, rule({}, { maxItems: 3 })], { ...student, siteId: null }).policy).toMatchObject({
      eligible: false,
      maxItems: 3,
    });
  });

  it('takes a rule that sets false or 0 as set, not as "not set here"', () => {
    const general = rule({}, { eligible: true, blockWhenOverdue: true, renewals: 3 });
    const specific = rule({ category: 'laptop' }, { eligible: false, blockWhenOverdue: false, renewals: 0 });
    expect(evaluate([general, specific], student).policy).toMatchObject({
      eligible: false,
      blockWhenOverdue: false,
      renewals: 0,
    });
  });
});
