/**
 * The kit server's schema: the repository's schema.graphql itself, so a
 * controller's documents are validated exactly as the real server validates
 * them. Only the "Device protocol" fields are implemented; every other field
 * answers FORBIDDEN, as the real server answers a device token.
 *
 * One addition, for the kit only: the command kind KIT_FUTURE_COMMAND, to see
 * that a controller answers a kind it does not know with FAILED (PROTOCOL.md 9).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  buildSchema,
  extendSchema,
  GraphQLError,
  GraphQLScalarType,
  GraphQLUnionType,
  isObjectType,
  Kind,
  parse,
  type GraphQLFieldResolver,
  type GraphQLSchema,
  type ValueNode,
} from 'graphql';
import { isZonedTime } from '../protocol.js';

export const FUTURE_COMMAND_KIND = 'KIT_FUTURE_COMMAND';

/** Where schema.graphql is: the repository root, three levels above this file. */
export const SCHEMA_FILE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'schema.graphql');

export const DEVICE_MUTATIONS = [
  'reportLockerEvents',
  'markLockerEventsLost',
  'reportControllerHealth',
  'acknowledgeCommand',
  'redeemPickupCode',
  'redeemPickupQr',
] as const;
export type DeviceMutation = (typeof DEVICE_MUTATIONS)[number];

export type Args = Record<string, unknown>;

export interface DeviceResolvers<Ctx> {
  mutation: Record<DeviceMutation, (ctx: Ctx, args: Args) => unknown>;
  lockerCommands: (ctx: Ctx) => AsyncIterable<unknown>;
}

export function errorWithCode(message: string, code: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { ...extensions, code } });
}

const forbidden = () => {
  throw errorWithCode('A device token cannot call this operation (it is for people).', 'FORBIDDEN');
};

function safeInt(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw errorWithCode(`SafeInt must be a whole number from −(2^53 − 1) to 2^53 − 1.`, 'BAD_USER_INPUT');
  }
  return value;
}

function dateTime(value: unknown): string {
  if (!isZonedTime(value)) throw errorWithCode('DateTime must be ISO 8601 with a zone.', 'BAD_USER_INPUT');
  return value;
}

function literal(node: ValueNode): unknown {
  if (node.kind === Kind.INT) return Number(node.value);
  if (node.kind === Kind.FLOAT) return Number(node.value);
  if (node.kind === Kind.STRING) return node.value;
  return undefined;
}

export function deviceSchema<Ctx>(resolvers: DeviceResolvers<Ctx>): GraphQLSchema {
  const base = buildSchema(readFileSync(SCHEMA_FILE, 'utf8'));
  const schema = extendSchema(base, parse(`extend enum CommandKind { ${FUTURE_COMMAND_KIND} }`));

  const scalars: Record<string, Partial<GraphQLScalarType>> = {
    SafeInt: {
      serialize: (v: unknown) => safeInt(v),
      parseValue: (v: unknown) => safeInt(v),
      parseLiteral: (node: ValueNode) => safeInt(literal(node)),
    },
    DateTime: {
      serialize: (v: unknown) => (v instanceof Date ? v.toISOString() : dateTime(v)),
      parseValue: (v: unknown) => dateTime(v),
      parseLiteral: (node: ValueNode) => dateTime(literal(node)),
    },
  };
  for (const [name, impl] of Object.entries(scalars)) {
    const type = schema.getType(name);
    if (!(type instanceof GraphQLScalarType)) throw new Error(`schema.graphql has no scalar ${name}`);
    Object.assign(type, impl);
  }
  const union = schema.getType('PickupResult');
  if (union instanceof GraphQLUnionType) {
    union.resolveType = (value: unknown) => (value as { __typename: string }).__typename;
  }

  const mutation = schema.getMutationType();
  const query = schema.getQueryType();
  const subscription = schema.getSubscriptionType();
  if (!mutation || !query || !subscription) throw new Error('schema.graphql lacks a root type');
  for (const root of [query, mutation, subscription]) {
    if (!isObjectType(root)) continue;
    for (const field of Object.values(root.getFields())) {
      if (root === subscription) field.subscribe = forbidden;
      field.resolve = forbidden;
    }
  }
  for (const name of DEVICE_MUTATIONS) {
    const field = mutation.getFields()[name];
    if (!field) throw new Error(`schema.graphql has no Mutation.${name}`);
    const resolve = resolvers.mutation[name];
    field.resolve = ((_source, args: Args, ctx: Ctx) => resolve(ctx, args)) as GraphQLFieldResolver<unknown, Ctx, Args>;
  }
  const commands = subscription.getFields()['lockerCommands'];
  if (!commands) throw new Error('schema.graphql has no Subscription.lockerCommands');
  commands.subscribe = ((_source, _args, ctx: Ctx) => resolvers.lockerCommands(ctx)) as GraphQLFieldResolver<
    unknown,
    Ctx
  >;
  commands.resolve = (payload: unknown) => payload;
  return schema;
}
