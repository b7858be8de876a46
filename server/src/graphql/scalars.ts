import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

const badInput = (message: string) => new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });

/**
 * ISO 8601 with a zone (Z or ±hh:mm). A time without one is refused: JavaScript
 * would read it in the server's local zone, and it names no instant.
 */
export const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;

/** Parses an ISO 8601 instant with a zone; null when it is not one. */
export function parseInstant(value: unknown): Date | null {
  if (typeof value !== 'string' || value.length > 40 || !ISO_INSTANT.test(value)) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

function toDate(value: unknown): Date {
  const d = parseInstant(value);
  if (d) return d;
  throw badInput('DateTime must be an ISO 8601 time with a zone, such as 2026-11-27T08:00:00Z.');
}

export const DateTime = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  serialize: (value) => {
    if (value instanceof Date) return value.toISOString();
    if (typeof value === 'number') return new Date(value).toISOString();
    return toDate(value).toISOString();
  },
  parseValue: toDate,
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw badInput('DateTime must be a string.');
    return toDate(ast.value);
  },
});

function toSafeInt(value: unknown): number {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  throw badInput(`SafeInt must be a whole number within ±${Number.MAX_SAFE_INTEGER}.`);
}

export const SafeInt = new GraphQLScalarType<number, number>({
  name: 'SafeInt',
  serialize: toSafeInt,
  parseValue: toSafeInt,
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.INT) throw badInput('SafeInt must be a whole number.');
    return toSafeInt(Number(ast.value));
  },
});

/**
 * Device protocol scalars are checked per event by the devices service, not
 * here, so that a bad value is answered with the event's index (or a per-event
 * rejection) instead of failing the whole batch before it reaches the service.
 * They pass JSON scalars through and refuse only objects and lists.
 */
function passScalar(name: string) {
  return (value: unknown): unknown => {
    if (value === null || typeof value === 'object') throw badInput(`${name} must be a number or a string.`);
    return value;
  };
}

export const EventSeq = new GraphQLScalarType<unknown, number>({
  name: 'EventSeq',
  serialize: toSafeInt,
  parseValue: passScalar('EventSeq'),
  parseLiteral: (ast) => {
    if (ast.kind === Kind.INT || ast.kind === Kind.FLOAT) return Number(ast.value);
    if (ast.kind === Kind.STRING) return ast.value;
    throw badInput('EventSeq must be a number.');
  },
});

export const EventKindName = new GraphQLScalarType<unknown, string>({
  name: 'EventKindName',
  serialize: String,
  parseValue: passScalar('EventKindName'),
  parseLiteral: (ast) => {
    // An enum literal (kind: DOOR_OPENED), as version 1 controllers may write it.
    if (ast.kind === Kind.ENUM || ast.kind === Kind.STRING) return ast.value;
    throw badInput('EventKindName must be a name such as DOOR_OPENED.');
  },
});
