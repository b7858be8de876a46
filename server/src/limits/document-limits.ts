/**
 * What a GraphQL document may ask for before anything runs: tokens (at parse),
 * depth, aliases, directives and an estimated cost (at validation). HTTP
 * (Apollo's `parseOptions` + `validationRules`) and WebSocket (graphql-ws
 * `onSubscribe`, see ws.ts) use these same functions, so the two transports
 * refuse the same documents.
 *
 * Messages name the kind of limit, never its number (graphql-armor's
 * `exposeLimits: false`): a client learns what to change, not where the edge
 * is. The numbers and the documents they were measured against are in
 * docs/security.md; `document-limits.test.ts` checks that every
 * operation the web app, the simulator and the e2e suite send passes.
 */
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import {
  getNamedType,
  getNullableType,
  getOperationAST,
  GraphQLError,
  isCompositeType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  parse,
  type DocumentNode,
  type GraphQLCompositeType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { documentMemo, operationKey } from './document-memo.js';

export interface DocumentLimits {
  /** Deepest selection nesting (fragments flattened: a spread adds no level). */
  maxDepth: number;
  /** Aliased fields in one operation, fragments included (`__typename` aliases are free). */
  maxAliases: number;
  /** Directives in one operation, fragments included. */
  maxDirectives: number;
  /** Lexical tokens in the whole document; enforced by graphql's parser, so a huge document is never built. */
  maxTokens: number;
  /** Estimated resolver calls (see `estimatedCost`). */
  maxCost: number;
}

export const LIMIT_MESSAGES = {
  depth: 'The query is nested too deeply.',
  aliases: 'The query has too many aliases.',
  directives: 'The query has too many directives.',
  cost: 'The query asks for too much at once; ask for fewer fields or smaller lists.',
  tokens: 'Syntax Error: The document is too large.',
} as const;

/**
 * How many items a list field is assumed to return when its size is not
 * given by a `limit` argument: what a large campus has (sites, banks per
 * site, compartments per bank), not what the demo has. Unlisted list fields
 * count as DEFAULT_LIST_SIZE.
 */
export const LIST_SIZE_ESTIMATES: Record<string, number> = {
  'Query.sites': 5,
  'Query.lockerBanks': 20,
  'Site.banks': 10,
  'LockerBank.compartments': 30,
  'Query.myParcels': 20,
  'Query.kioskCredentials': 20,
  'Query.pickupKeys': 3,
  'Person.courierBanks': 10,
  'Person.devices': 5,
  'Parcel.doorOpenings': 5,
};
export const DEFAULT_LIST_SIZE = 20;

/**
 * A field with a selection set costs this much once per parent, on top of its
 * items: it is a resolver that loads rows (a bank's site, a site's banks),
 * where a scalar reads a property of a row already loaded (cost 1). Measured:
 * a chain of lookups through lists takes as long per estimated unit as the
 * board only with this weight (bench/limits.ts).
 */
export const OBJECT_FIELD_COST = 10;

/** The most a `limit` argument is honoured up to (services cap at 500; people search at 50). */
export const LIMIT_ARGUMENT_CAP = 500;

/** graphql's own token-limit message echoes the number; callers replace it with this. */
export function hideParseLimit(message: string): string {
  return /Document contains more th(?:an|at) \d+ tokens/.test(message) ? LIMIT_MESSAGES.tokens : message;
}

/** Parses with the token limit; a too-large document throws a GraphQLError that does not say the limit. */
export function parseWithLimits(source: string, limits: Pick<DocumentLimits, 'maxTokens'>): DocumentNode {
  try {
    return parse(source, { maxTokens: limits.maxTokens });
  } catch (err) {
    if (err instanceof GraphQLError) {
      throw new GraphQLError(hideParseLimit(err.message), {
        ...(err.source ? { source: err.source } : {}),
        ...(err.positions ? { positions: err.positions } : {}),
      });
    }
    throw err;
  }
}

/**
 * graphql-armor's rules ship as CommonJS and build their errors with the CJS
 * copy of graphql, and by default they throw out of `validate`. Ours report
 * instead (Apollo does not catch a throwing rule) and with this module's
 * GraphQLError, so the error is an ordinary validation error on both
 * transports.
 */
const report = (message: string) => [(ctx: ValidationContext | null) => ctx?.reportError(new GraphQLError(message))];

/** The validation rules to run after graphql's specified rules. */
export function documentRules(limits: DocumentLimits): ValidationRule[] {
  const common = { exposeLimits: false, propagateOnRejection: false } as const;
  return [
    maxDepthRule({
      ...common,
      n: limits.maxDepth,
      flattenFragments: true,
      onReject: report(LIMIT_MESSAGES.depth),
    }),
    maxAliasesRule({ ...common, n: limits.maxAliases, onReject: report(LIMIT_MESSAGES.aliases) }),
    maxDirectivesRule({
      ...common,
      n: limits.maxDirectives,
      onReject: report(LIMIT_MESSAGES.directives),
    }),
    costLimitRule(limits.maxCost),
  ];
}

/**
 * A list-aware cost: a scalar costs 1, a field with a selection set
 * OBJECT_FIELD_COST, and a field returning a list costs its children times the
 * list's size: the `limit` argument when it is a
 * literal (capped), the service cap when it is a variable, its default when
 * absent, or LIST_SIZE_ESTIMATES. So `lockerBank { site { banks {
 * compartments { bank { site { banks … } } } } } }` grows as the product of
 * the lists it walks, which is what it costs the server.
 *
 * graphql-armor's cost-limit is not used: it multiplies only for `first` /
 * `last` arguments and charges depth exponentially, so a narrow chain through
 * lists costs less than the board's honest wide query.
 */
export function costLimitRule(maxCost: number): ValidationRule {
  return (context) => ({
    OperationDefinition(node) {
      const root = context.getSchema().getRootType(node.operation);
      if (!root) return;
      if (estimatedCost(context, node.selectionSet, root) > maxCost) {
        context.reportError(new GraphQLError(LIMIT_MESSAGES.cost, { nodes: [node] }));
      }
    },
  });
}

/** The cost of one operation's selection set on `type`; fragments are costed once each (memoised). */
export function estimatedCost(
  context: Pick<ValidationContext, 'getSchema' | 'getFragment'>,
  selectionSet: SelectionSetNode,
  type: GraphQLCompositeType,
): number {
  const schema = context.getSchema();
  const fragmentCosts = new Map<string, number>();

  const costOf = (set: SelectionSetNode, parent: GraphQLCompositeType): number => {
    let total = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        const name = sel.name.value;
        if (name.startsWith('__')) continue; // __typename, and introspection (allowed in development only)
        const def = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
        if (!def) continue; // FieldsOnCorrectTypeRule reports it
        const named = getNamedType(def.type);
        if (!sel.selectionSet || !isCompositeType(named)) {
          total += 1;
          continue;
        }
        const size = listSize(def.type) ? itemsAsked(`${parent.name}.${name}`, sel, def.args) : 1;
        total += OBJECT_FIELD_COST + size * costOf(sel.selectionSet, named);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const on = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : parent;
        if (on && isCompositeType(on)) total += costOf(sel.selectionSet, on);
      } else {
        const name = sel.name.value;
        if (!fragmentCosts.has(name)) {
          fragmentCosts.set(name, 0); // a cycle costs nothing here: NoFragmentCyclesRule refuses it
          const fragment = context.getFragment(name);
          const on = fragment && schema.getType(fragment.typeCondition.name.value);
          fragmentCosts.set(name, fragment && on && isCompositeType(on) ? costOf(fragment.selectionSet, on) : 0);
        }
        total += fragmentCosts.get(name)!;
      }
    }
    return total;
  };

  return costOf(selectionSet, type);
}

const costs = documentMemo<number>();

/** The estimated cost of the operation a request runs (0 when it names none the document has); once per document. */
export function operationCost(schema: GraphQLSchema, document: DocumentNode, operationName?: string | null): number {
  return costs.get(document, [schema], operationKey(operationName), () =>
    computeOperationCost(schema, document, operationName),
  );
}

function computeOperationCost(schema: GraphQLSchema, document: DocumentNode, operationName?: string | null): number {
  const operation = getOperationAST(document, operationName);
  const root = operation && schema.getRootType(operation.operation);
  if (!operation || !root) return 0;
  const fragments = new Map(
    document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])),
  );
  return estimatedCost(
    { getSchema: () => schema, getFragment: (name) => fragments.get(name) },
    operation.selectionSet,
    root,
  );
}

function listSize(type: GraphQLOutputType): boolean {
  const t = isNonNullType(type) ? type.ofType : type;
  return isListType(getNullableType(t));
}

function itemsAsked(
  coordinate: string,
  node: { arguments?: readonly { name: { value: string }; value: { kind: Kind; value?: unknown } }[] },
  args: readonly { name: string; defaultValue?: unknown }[],
): number {
  const limitArg = args.find((a) => a.name === 'limit');
  if (limitArg) {
    const given = node.arguments?.find((a) => a.name.value === 'limit')?.value;
    if (!given) return typeof limitArg.defaultValue === 'number' ? limitArg.defaultValue : LIMIT_ARGUMENT_CAP;
    if (given.kind === Kind.INT) return Math.min(Math.max(Number(given.value), 1), LIMIT_ARGUMENT_CAP);
    return LIMIT_ARGUMENT_CAP; // a variable: the most the service would return
  }
  return LIST_SIZE_ESTIMATES[coordinate] ?? DEFAULT_LIST_SIZE;
}
