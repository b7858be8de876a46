/**
 * Loan rules over the real API: IT adds and changes them (one rule per
 * category × role × site, changed at the version seen, every setting
 * checked), and asks what they add up to, setting by setting, with the
 * rule that decided each. Runs on SQLite and on PostgreSQL.
 */
import { describe, expect, it } from 'vitest';
import { onlineBank, person } from './helpers/parcels.js';
import { startTestServer } from './helpers/server.js';

const SAVE = `mutation ($id: ID, $v: Int, $i: LoanPolicyInput!) { saveLoanPolicy(id: $id, version: $v, input: $i) {
  __typename ... on LoanPolicySaved { policy { id version category role site { id } maxLoanHours renewals eligible } }
  ... on LoanPolicyRefused { reason field message current { id } } } }`;
const EFFECTIVE = `query ($c: String!, $r: Role!, $s: ID) { effectiveLoanPolicy(category: $c, role: $r, siteId: $s) {
  eligible maxLoanHours dueBy maxItems renewals requiresAgreement blockWhenOverdue decidedBy { setting scope policy { id } } } }`;

interface Saved {
  __typename: string;
  policy?: { id: string; version: number };
  reason?: string;
  field?: string | null;
  current?: { id: string } | null;
}

describe('loan policies', () => {
  it('adds up rules setting by setting, the most specific first, and says which rule decided each', async () => {
    const server = await startTestServer();
    const it = await person(server, 'IT');
    const bank = await onlineBank(server, { name: 'North', count: 2 });
    const save = async (input: Record<string, unknown>, id?: string, v?: number) =>
      (await server.gql<{ saveLoanPolicy: Saved }>(SAVE, { i: input, id, v }, it.token)).data!.saveLoanPolicy;

    const none = await server.gql<{ effectiveLoanPolicy: Record<string, unknown> }>(
      EFFECTIVE,
      { c: 'laptop', r: 'STUDENT' },
      it.token,
    );
    expect(none.data?.effectiveLoanPolicy).toMatchObject({ eligible: false, maxItems: 1, renewals: 0 });

    const laptops = await save({ category: 'Laptop', eligible: true, maxLoanHours: 72, dueBy: '22:00', renewals: 2 });
    expect(laptops).toMatchObject({
      __typename: 'LoanPolicySaved',
      policy: { category: 'laptop', role: null, site: null },
    });
    const students = await save({ category: 'laptop', role: 'STUDENT', renewals: 0 });
    const north = await save({ category: 'laptop', role: 'STUDENT', siteId: bank.siteId, maxLoanHours: 24 });
    expect(north).toMatchObject({ policy: { site: { id: bank.siteId } } });

    const atNorth = await server.gql<{
      effectiveLoanPolicy: Record<string, unknown> & {
        decidedBy: { setting: string; scope: string; policy: { id: string } | null }[];
      };
    }>(EFFECTIVE, { c: 'laptop', r: 'STUDENT', s: bank.siteId }, it.token);
    const effective = atNorth.data!.effectiveLoanPolicy;
    expect(effective).toMatchObject({ eligible: true, maxLoanHours: 24, dueBy: '22:00', renewals: 0, maxItems: 1 });
    const by = Object.fromEntries(effective.decidedBy.map((d) => [d.setting, d]));
    expect(by.maxLoanHours).toMatchObject({
      policy: { id: north.policy!.id },
      scope: expect.stringContaining('laptop × STUDENT ×'),
    });
    expect(by.renewals?.policy?.id).toBe(students.policy!.id);
    expect(by.dueBy?.policy?.id).toBe(laptops.policy!.id);
    expect(by.maxItems).toMatchObject({ policy: null, scope: 'default' });

    // Staff elsewhere: only the laptop rule applies.
    const staff = await server.gql<{ effectiveLoanPolicy: Record<string, unknown> }>(
      EFFECTIVE,
      { c: 'laptop', r: 'STAFF', s: bank.siteId },
      it.token,
    );
    expect(staff.data?.effectiveLoanPolicy).toMatchObject({ maxLoanHours: 72, renewals: 2 });
  });

  it('keeps one rule per scope, changes a rule only at the version seen, and names the field of a bad setting', async () => {
    const server = await startTestServer();
    const admin = await person(server, 'ADMIN');
    const save = async (input: Record<string, unknown>, id?: string, v?: number) =>
      (await server.gql<{ saveLoanPolicy: Saved }>(SAVE, { i: input, id, v }, admin.token)).data!.saveLoanPolicy;
    const first = await save({ category: 'tablet', eligible: true });
    const twin = await save({ category: 'TABLET', maxItems: 2 });
    expect(twin).toMatchObject({
      __typename: 'LoanPolicyRefused',
      reason: 'DUPLICATE_SCOPE',
      current: { id: first.policy!.id },
    });

    const changed = await save({ category: 'tablet', eligible: true, maxItems: 2 }, first.policy!.id, 1);
    expect(changed).toMatchObject({ __typename: 'LoanPolicySaved', policy: { version: 2 } });
    const stale = await save({ category: 'tablet', maxItems: 5 }, first.policy!.id, 1);
    expect(stale).toMatchObject({ reason: 'VERSION_CONFLICT' });
    expect(await save({ category: 'charger' }, 'lp_none', 1)).toMatchObject({ reason: 'NOT_FOUND' });

    for (const [input, field] of [
      [{ category: 'x', maxLoanHours: 0 }, 'maxLoanHours'],
      [{ category: 'x', maxLoanHours: 9_000 }, 'maxLoanHours'],
      [{ category: 'x', renewals: -1 }, 'renewals'],
      [{ category: 'x', maxItems: 101 }, 'maxItems'],
      [{ category: 'x', dueBy: '24:00' }, 'dueBy'],
      [{ category: 'x', dueBy: '9pm' }, 'dueBy'],
      [{ category: 'a'.repeat(41) }, 'category'],
      [{ category: 'lap<top>' }, 'category'],
      [{ siteId: 'site_none' }, 'siteId'],
      [{ note: 'n'.repeat(501) }, 'note'],
    ] as const) {
      expect(await save(input), JSON.stringify(input).slice(0, 60)).toMatchObject({ reason: 'INVALID', field });
    }
    const list = await server.gql<{ loanPolicies: { id: string }[] }>(`{ loanPolicies { id } }`, {}, admin.token);
    expect(list.data?.loanPolicies.map((p) => p.id)).toEqual([first.policy!.id]);

    const removed = await server.gql<{ deleteLoanPolicy: boolean }>(
      `mutation ($id: ID!) { deleteLoanPolicy(id: $id) }`,
      { id: first.policy!.id },
      admin.token,
    );
    expect(removed.data?.deleteLoanPolicy).toBe(true);
    const again = await server.gql<{ deleteLoanPolicy: boolean }>(
      `mutation ($id: ID!) { deleteLoanPolicy(id: $id) }`,
      { id: first.policy!.id },
      admin.token,
    );
    expect(again.data?.deleteLoanPolicy).toBe(false);
  });

  it('is IT’s: a department, a student and the mailroom are refused', async () => {
    const server = await startTestServer();
    for (const role of ['DEPARTMENT', 'STUDENT', 'MAILROOM'] as const) {
      const someone = await person(server, role);
      const r = await server.gql(`{ loanPolicies { id } }`, {}, someone.token);
      expect(r.errors?.[0]?.extensions?.code, role).toBe('FORBIDDEN');
    }
  });
});
