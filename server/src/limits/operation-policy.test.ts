import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { buildSchema } from '../graphql/schema.js';
import { operationCost } from './document-limits.js';
import { operationPolicyError } from './operation-policy.js';

const schema = buildSchema();
const policy = { maxStringLength: 100, stringLimits: { 'Mutation.importPeople.csv': 1_000 } };
const problem = (query: string, variables: Record<string, unknown> = {}, operationName?: string) =>
  operationPolicyError(schema, parse(query), operationName, variables, policy);

describe('the operation policy', () => {
  it('refuses a mutation field named twice, through aliases or fragments', () => {
    const twice = `mutation { a: reportDoorDidNotOpen(bankId: "b") { id } b: reportDoorDidNotOpen(bankId: "b") { id } }`;
    expect(problem(twice)?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'reportDoorDidNotOpen' });
    const viaFragment = `mutation { signOut ...F } fragment F on Mutation { signOut }`;
    expect(problem(viaFragment)?.extensions.code).toBe('BAD_USER_INPUT');
    expect(problem(`mutation { signOut requestSignInCode(email: "a@b.c") { ok } }`)).toBeNull();
    // Queries may repeat a field (with aliases): they change nothing.
    expect(problem(`{ a: me { id } b: me { id } }`)).toBeNull();
  });

  it('caps every string, inline or in variables, however deep in an input', () => {
    const long = 'x'.repeat(101);
    expect(problem(`{ people(search: "${long}") { id } }`)?.extensions.code).toBe('BAD_USER_INPUT');
    expect(problem(`query ($s: String!) { people(search: $s) { id } }`, { s: long })?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      variable: 's',
    });
    const bank = `mutation ($i: CreateLockerBankInput!) { createLockerBank(input: $i) { deviceToken } }`;
    const deep = { siteId: 's', name: 'n', compartments: [{ label: long, size: 'S' }] };
    expect(problem(bank, { i: deep })?.extensions.code).toBe('BAD_USER_INPUT');
    expect(problem(`query ($s: String = "${long}") { people(search: $s) { id } }`)).not.toBeNull();
    // Deeply nested JSON does not overflow the stack.
    let nestedValue: unknown = long;
    for (let i = 0; i < 100_000; i++) nestedValue = [nestedValue];
    expect(problem(`query ($s: String!) { people(search: $s) { id } }`, { s: nestedValue })).not.toBeNull();
    expect(problem(`query ($s: String!) { people(search: $s) { id } }`, { s: 'x'.repeat(100) })).toBeNull();
  });

  it('analyses a parsed document once, yet checks every request’s variables and operation', () => {
    // Apollo hands the same DocumentNode to every request with the same text: what is kept with
    // it must not keep one request's verdict for the next.
    const document = parse(`query Q ($s: String!) { people(search: $s) { id } }
      mutation M { a: signOut b: signOut }`);
    const check = (variables: Record<string, unknown>, operationName?: string | null, p = policy) =>
      operationPolicyError(schema, document, operationName, variables, p);
    expect(check({ s: 'short' }, 'Q')).toBeNull();
    expect(check({ s: 'x'.repeat(101) }, 'Q')?.extensions).toMatchObject({ variable: 's' });
    expect(check({ s: 'short' }, 'Q')).toBeNull();
    expect(check({}, 'M')?.extensions).toMatchObject({ field: 'signOut' });
    // Two operations and no name: execution refuses it, the policy has nothing to say.
    expect(check({}, null)).toBeNull();
    // Another policy (another server in the same process) is not answered from the first one's analysis.
    expect(check({ s: 'x'.repeat(101) }, 'Q', { ...policy, maxStringLength: 1_000 })).toBeNull();
    expect(check({ s: 'x'.repeat(101) }, 'Q')).not.toBeNull();
    // The cost estimate is per operation of the document too.
    expect(operationCost(schema, document, 'Q')).toBeGreaterThan(operationCost(schema, document, 'M'));
    expect(operationCost(schema, document, 'M')).toBe(2);
  });

  it('gives importPeople.csv its own cap, inline or as a variable used only there', () => {
    const csv = 'x'.repeat(900);
    expect(problem(`mutation ($c: String!) { importPeople(csv: $c) { created } }`, { c: csv })).toBeNull();
    expect(problem(`mutation { importPeople(csv: "${csv}") { created } }`)).toBeNull();
    expect(
      problem(`mutation ($c: String!) { importPeople(csv: $c) { created } }`, { c: 'x'.repeat(1_001) }),
    ).not.toBeNull();
    // The same variable also used where the default cap applies gets the smaller cap.
    const both = `mutation ($c: String!) { importPeople(csv: $c) { created } requestSignInCode(email: $c) { ok } }`;
    expect(problem(both, { c: csv })).not.toBeNull();
  });
});
