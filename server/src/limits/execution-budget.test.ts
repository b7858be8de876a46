import { makeExecutableSchema } from '@graphql-tools/schema';
import { execute, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { applyExecutionBudget, startExecutionClock } from './execution-budget.js';

const busy = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

const schema = applyExecutionBudget(
  makeExecutableSchema({
    typeDefs: `type Query { slow: Int, items: [Item!]! } type Item { n: Int }`,
    resolvers: {
      Query: {
        slow: () => {
          busy(30);
          return 1;
        },
        items: () => Array.from({ length: 1000 }, (_, n) => ({ n })),
      },
    },
  }),
  20,
);

describe('the execution budget', () => {
  it('starts no resolver once the execution has run past its budget', async () => {
    const contextValue = {};
    startExecutionClock(contextValue);
    const result = await execute({ schema, document: parse('{ slow items { n } }'), contextValue });
    expect(result.data).toBeNull(); // items is non-null: the timeout nulls the whole answer
    // items starts after slow's 30 ms and is refused. (On a machine busy enough to pause this
    // process for 20 ms before slow starts, slow is refused too: still no resolver past the budget.)
    expect(new Set(result.errors?.map((e) => e.extensions.code))).toEqual(new Set(['TIMEOUT']));
    expect(result.errors?.map((e) => e.path?.[0])).toContain('items');
  });

  it('does not limit an execution whose clock was never started (the CLI, unit tests)', async () => {
    const result = await execute({ schema, document: parse('{ slow items { n } }'), contextValue: {} });
    expect(result.errors).toBeUndefined();
  });
});
