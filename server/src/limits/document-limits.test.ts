import {
  getOperationAST,
  Kind,
  Lexer,
  parse,
  print,
  Source,
  specifiedRules,
  TokenKind,
  validate,
  type DocumentNode,
  type FragmentDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/index.js';
import { buildSchema } from '../graphql/schema.js';
import { toolOperations, webOperations } from './client-documents.js';
import { createApiLimits } from './index.js';
import { documentRules, LIMIT_MESSAGES, parseWithLimits } from './document-limits.js';

const schema = buildSchema();
const { document: limits } = createApiLimits(parseConfig({}));
const rules = [...specifiedRules, ...documentRules(limits)];
const check = (source: string) => validate(schema, parseWithLimits(source, limits), rules).map((e) => e.message);

const nested = (levels: number) => {
  const chain = ['site', 'banks', 'compartments', 'bank'];
  let q = 'id';
  for (let i = levels - 1; i >= 0; i--) q = `${chain[i % 4]} { ${q} }`;
  return `{ lockerBank(id: "x") { ${q} } }`;
};

describe('document limits', () => {
  const operations = [...webOperations(), ...toolOperations()];

  it('finds the clients’ operations to measure against', () => {
    expect(operations.length).toBeGreaterThan(50);
    expect(operations.map((o) => o.name)).toContain('web/src/features/board/documents.ts LockerBoard');
    expect(operations.some((o) => o.name.startsWith('simulator/'))).toBe(true);
    expect(operations.some((o) => o.name.startsWith('e2e/'))).toBe(true);
  });

  it('let every operation of the web app, the simulator and the e2e suite through', () => {
    const refused = operations.flatMap((o) => {
      const source = print(o.document);
      const errors = check(source);
      return errors.length ? [`${o.name}: ${errors.join('; ')}`] : [];
    });
    expect(refused).toEqual([]);
  });

  it('keep a margin of at least 2× over the deepest and the largest client operation', () => {
    const tokens = (s: string) => {
      const lexer = new Lexer(new Source(s));
      let n = 0;
      while (lexer.advance().kind !== TokenKind.EOF) n++;
      return n;
    };
    const depth = (set: SelectionSetNode | undefined, doc: DocumentNode): number =>
      !set
        ? 0
        : Math.max(
            0,
            ...set.selections.map((s) =>
              s.kind === Kind.FIELD
                ? 1 + depth(s.selectionSet, doc)
                : s.kind === Kind.INLINE_FRAGMENT
                  ? depth(s.selectionSet, doc)
                  : depth(
                      doc.definitions.find(
                        (d): d is FragmentDefinitionNode =>
                          d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === s.name.value,
                      )?.selectionSet,
                      doc,
                    ),
            ),
          );
    const largest = Math.max(...operations.map((o) => tokens(print(o.document))));
    const deepest = Math.max(...operations.map((o) => depth(getOperationAST(o.document)?.selectionSet, o.document)));
    expect({ largest, deepest }).toEqual({ largest: expect.any(Number), deepest: 4 }); // the board
    expect(limits.maxTokens).toBeGreaterThanOrEqual(2 * largest);
    expect(limits.maxDepth).toBeGreaterThanOrEqual(2 * deepest);
  });

  it('refuse the nested attack by depth, without saying the limit', () => {
    const errors = check(nested(40));
    expect(errors).toContain(LIMIT_MESSAGES.depth);
    expect(errors.join(' ')).not.toMatch(/\d/);
  });

  it('refuse lists of lists within the depth limit by their cost, and let a narrow chain through', () => {
    const wide = `{ lockerBanks { compartments { bank { site { banks { compartments { id label state } } } } } } }`;
    expect(check(wide)).toEqual([LIMIT_MESSAGES.cost]);
    // One bank's site's banks' compartments' bank's site's banks: fewer objects than the board.
    expect(check(nested(limits.maxDepth - 2))).toEqual([]);
  });

  it('refuse 1,000 aliases, 50,000 directives and 135k tokens', () => {
    const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: me { id }`).join(' ')} }`;
    expect(check(aliases(limits.maxAliases + 1))).toContain(LIMIT_MESSAGES.aliases);
    expect(() => check(aliases(1000))).toThrow(LIMIT_MESSAGES.tokens); // refused while parsing, before any rule
    const directives = `{ me { id ${'@include(if: true) '.repeat(limits.maxDirectives + 1)} } }`;
    expect(check(directives)).toContain(LIMIT_MESSAGES.directives);
    const huge = `{ me { id ${'@include(if: true) '.repeat(50_000)} } }`;
    expect(() => parseWithLimits(huge, limits)).toThrow(LIMIT_MESSAGES.tokens);
    expect(() => parseWithLimits(`{ ${'__typename '.repeat(135_000)} }`, limits)).toThrow(LIMIT_MESSAGES.tokens);
  });

  it('cost fragments once however often they are spread, so fan-out documents are judged fast', () => {
    // Each fragment spreads the next one ten times: 10^8 fields if expanded naively.
    const frags = Array.from(
      { length: 8 },
      (_, i) => `fragment F${i} on LockerBank { ${Array.from({ length: 10 }, () => `...F${i + 1}`).join(' ')} }`,
    );
    frags.push('fragment F8 on LockerBank { id }');
    const source = `{ lockerBanks { ...F0 } } ${frags.join(' ')}`;
    const started = performance.now();
    const errors = validate(schema, parse(source), rules).map((e) => e.message);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(errors).toContain(LIMIT_MESSAGES.cost);
  });
});
