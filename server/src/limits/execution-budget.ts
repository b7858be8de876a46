/**
 * A time budget per execution. Resolvers here are synchronous (better-sqlite3),
 * so nothing can interrupt one mid-way; what the budget does is refuse to
 * start another resolver once an execution has run for `budgetMs`. The
 * document limits keep accepted operations far below it (docs/security.md
 * has the measured figures); this is the backstop for what estimation misses.
 *
 * An execution is an HTTP request, a WebSocket query or mutation, or one event
 * of a subscription (its context lives for the whole subscription, so each
 * event restarts the clock when the Subscription field resolves it).
 */
import { defaultFieldResolver, GraphQLError, isObjectType, type GraphQLSchema } from 'graphql';
import { ErrorCode } from '../shared/errors.js';

const startedAt = new WeakMap<object, number>();

/** Starts (or restarts) the clock of the execution using this context. */
export function startExecutionClock(context: object, now = performance.now()): void {
  startedAt.set(context, now);
}

/** How long the execution using this context has run (undefined without a started clock); metrics time WebSocket operations by it. */
export function executionElapsedMs(context: object, now = performance.now()): number | undefined {
  const start = startedAt.get(context);
  return start === undefined ? undefined : now - start;
}

export function executionTimeout() {
  return new GraphQLError('The operation took too long and was stopped; ask for less at once.', {
    extensions: { code: ErrorCode.Timeout },
  });
}

/**
 * Wraps every field resolver of the schema (in place) with the budget check.
 * A context without a started clock (the CLI, unit tests) is not limited.
 */
export function applyExecutionBudget(schema: GraphQLSchema, budgetMs: number): GraphQLSchema {
  const subscriptionType = schema.getSubscriptionType();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const resolve = field.resolve ?? defaultFieldResolver;
      if (type === subscriptionType) {
        field.resolve = (source, args, context: object, info) => {
          startExecutionClock(context);
          return resolve(source, args, context, info);
        };
        continue;
      }
      field.resolve = (source, args, context: object, info) => {
        const start = startedAt.get(context);
        if (start !== undefined && performance.now() - start > budgetMs) throw executionTimeout();
        return resolve(source, args, context, info);
      };
    }
  }
  return schema;
}
