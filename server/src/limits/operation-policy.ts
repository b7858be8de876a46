/**
 * Checks of one operation with its variables, after validation and before
 * execution, the same on HTTP (an Apollo plugin, app.ts) and WebSocket
 * (onSubscribe, ws.ts):
 *
 * - every string, inline or in the variables, is at most `maxStringLength`
 *   characters, except at the argument coordinates named in `stringLimits`
 *   (`Mutation.importPeople.csv`: a whole directory export);
 * - a mutation document names each root field once: aliases cannot turn one
 *   request into 200 staff alerts or 200 sign-in mails. Every Mutation root
 *   field counts as side-effecting, so no list has to be kept in step with
 *   the schema; the web app, the simulator and the e2e suite never repeat one.
 *
 * Both refuse with BAD_USER_INPUT: the client sent something it can fix.
 */
import {
  getOperationAST,
  GraphQLError,
  Kind,
  OperationTypeNode,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { ErrorCode } from '../shared/errors.js';
import { documentMemo, operationKey } from './document-memo.js';

export interface OperationPolicy {
  maxStringLength: number;
  /** Larger caps by argument coordinate, `Type.field.argument`. */
  stringLimits: Record<string, number>;
}

const refuse = (message: string, extra: Record<string, unknown> = {}) =>
  new GraphQLError(message, { extensions: { code: ErrorCode.BadUserInput, http: { status: 400 }, ...extra } });

/** The first problem with this operation, or null. */
export function operationPolicyError(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
  policy: OperationPolicy,
): GraphQLError | null {
  const { operation, repeated, inlineTooLong, variableCaps } = analysed.get(
    document,
    [schema, policy],
    operationKey(operationName),
    () => analyse(schema, document, operationName, policy),
  );
  if (!operation) return null; // execution reports it
  if (operation.operation === OperationTypeNode.MUTATION) {
    if (repeated) {
      return refuse(`"${repeated}" appears more than once; send each mutation once per request.`, {
        field: repeated,
      });
    }
  }
  if (inlineTooLong) return tooLong();
  for (const [name, value] of Object.entries(variables ?? {})) {
    const limit = variableCaps.get(name) ?? policy.maxStringLength;
    if (longestString(value) > limit) return tooLong(name);
  }
  return null;
}

/** What the policy needs from the document alone (the variables' values are checked per request). */
interface Analysis {
  operation: OperationDefinitionNode | null;
  repeated: string | null;
  /** An inline string is longer than the cap where it stands. */
  inlineTooLong: boolean;
  /** Per variable: the smallest cap of the places it is used in. */
  variableCaps: Map<string, number>;
}

const analysed = documentMemo<Analysis>();

function analyse(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  policy: OperationPolicy,
): Analysis {
  const operation = getOperationAST(document, operationName) ?? null;
  if (!operation) return { operation, repeated: null, inlineTooLong: false, variableCaps: new Map() };
  const repeated = operation.operation === OperationTypeNode.MUTATION ? repeatedRootField(document, operation) : null;
  return { operation, repeated, ...stringCaps(schema, document, policy) };
}

function repeatedRootField(document: DocumentNode, operation: OperationDefinitionNode): string | null {
  const seen = new Set<string>();
  const fragments = new Map(
    document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])),
  );
  const spread = new Set<string>();
  const walk = (set: SelectionSetNode): string | null => {
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        const name = sel.name.value;
        if (name === '__typename') continue;
        if (seen.has(name)) return name;
        seen.add(name);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const found = walk(sel.selectionSet);
        if (found) return found;
      } else {
        const fragment = fragments.get(sel.name.value);
        if (!fragment || spread.has(sel.name.value)) continue;
        spread.add(sel.name.value);
        const found = walk(fragment.selectionSet);
        if (found) return found;
      }
    }
    return null;
  };
  return walk(operation.selectionSet);
}

function stringCaps(
  schema: GraphQLSchema,
  document: DocumentNode,
  policy: OperationPolicy,
): Pick<Analysis, 'inlineTooLong' | 'variableCaps'> {
  const typeInfo = new TypeInfo(schema);
  const caps: number[] = [];
  /** Per variable: the smallest cap of the places it is used in. */
  const variableCaps = new Map<string, number>();
  let inlineTooLong = false;

  const cap = () => caps.at(-1) ?? policy.maxStringLength;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Argument: {
        enter(node) {
          const directive = typeInfo.getDirective();
          const coordinate = directive
            ? `@${directive.name}.${node.name.value}`
            : `${typeInfo.getParentType()?.name}.${typeInfo.getFieldDef()?.name}.${node.name.value}`;
          caps.push(policy.stringLimits[coordinate] ?? policy.maxStringLength);
        },
        leave() {
          caps.pop();
        },
      },
      StringValue(node) {
        if (node.value.length > cap()) inlineTooLong = true;
      },
      Variable(node, _key, parent) {
        // `$x` in `($x: String = "…")` declares the variable; its uses set its cap.
        if (parent && 'kind' in parent && parent.kind === Kind.VARIABLE_DEFINITION) return;
        const name = node.name.value;
        variableCaps.set(name, Math.min(variableCaps.get(name) ?? Infinity, cap()));
      },
    }),
  );
  return { inlineTooLong, variableCaps };
}

const tooLong = (variable?: string) =>
  refuse(
    variable
      ? `The value of $${variable} contains a string that is too long.`
      : 'The document contains a string that is too long.',
    variable ? { variable } : {},
  );

/** The longest string anywhere in a JSON value; iterative, so deeply nested input cannot overflow the stack. */
function longestString(value: unknown): number {
  let longest = 0;
  const stack: unknown[] = [value];
  while (stack.length) {
    const v = stack.pop();
    if (typeof v === 'string') longest = Math.max(longest, v.length);
    else if (Array.isArray(v)) for (const item of v) stack.push(item);
    else if (v && typeof v === 'object') for (const item of Object.values(v)) stack.push(item);
  }
  return longest;
}
