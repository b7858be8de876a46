/**
 * Every GraphQL operation the real clients send, read from their sources: the
 * web app's `graphql(`…`)` documents (with the fragments they spread, and the
 * `__typename` fields urql's cache adds to every selection), and the
 * simulator's and the e2e suite's `/* GraphQL *\/` templates and inline
 * operations. The document limits are measured against these (see
 * document-limits.test.ts and docs/security.md).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  Kind,
  parse,
  print,
  visit,
  type DocumentNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

export const repoRoot = join(import.meta.dirname, '../../..');

export interface ClientOperation {
  /** Where it came from: `web/src/features/board/documents.ts LockerBoard`. */
  name: string;
  document: DocumentNode;
}

function files(dir: string, pattern: RegExp): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry === 'gql' || entry.startsWith('.') || entry === 'test-results') continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...files(path, pattern));
    else if (pattern.test(entry)) out.push(path);
  }
  return out;
}

function tryParse(source: string): DocumentNode | null {
  try {
    return parse(source);
  } catch {
    return null; // a snippet (selection set pieces) or not GraphQL at all
  }
}

/** Adds `__typename` to every nested selection set (not an operation's root), as urql's cache does before sending. */
function withTypenames(document: DocumentNode): DocumentNode {
  return visit(document, {
    SelectionSet(node: SelectionSetNode, _key, parent) {
      if (parent && 'kind' in parent && parent.kind === Kind.OPERATION_DEFINITION) return undefined;
      if (node.selections.some((s) => s.kind === Kind.FIELD && s.name.value === '__typename')) return undefined;
      return {
        ...node,
        selections: [...node.selections, { kind: Kind.FIELD, name: { kind: Kind.NAME, value: '__typename' } }],
      };
    },
  });
}

function operationsWithFragments(
  sources: { file: string; document: DocumentNode }[],
  addTypenames: boolean,
): ClientOperation[] {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const { document } of sources) {
    for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  }
  const out: ClientOperation[] = [];
  const seen = new Set<string>();
  for (const { file, document } of sources) {
    for (const op of document.definitions) {
      if (op.kind !== Kind.OPERATION_DEFINITION) continue;
      const key = `${file} ${print(op)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const needed = new Map<string, FragmentDefinitionNode>();
      const collect = (node: OperationDefinitionNode | FragmentDefinitionNode) =>
        visit(node, {
          FragmentSpread(spread) {
            const f = fragments.get(spread.name.value);
            if (f && !needed.has(f.name.value)) {
              needed.set(f.name.value, f);
              collect(f);
            }
          },
        });
      collect(op);
      const doc: DocumentNode = { kind: Kind.DOCUMENT, definitions: [op, ...needed.values()] };
      out.push({
        name: `${relative(repoRoot, file)} ${op.name?.value ?? '(anonymous)'}`,
        document: addTypenames ? withTypenames(doc) : doc,
      });
    }
  }
  return out;
}

/** The web app's operations, as urql sends them. */
export function webOperations(): ClientOperation[] {
  const sources: { file: string; document: DocumentNode }[] = [];
  for (const file of files(join(repoRoot, 'web/src'), /\.tsx?$/)) {
    for (const m of readFileSync(file, 'utf8').matchAll(/graphql\(\s*`([\s\S]*?)`\s*\)/g)) {
      const document = tryParse(m[1]!);
      if (document) sources.push({ file, document });
    }
  }
  return operationsWithFragments(sources, true);
}

/** The simulator's and the e2e suite's operations (plain fetch and graphql-ws: no `__typename` added). */
export function toolOperations(): ClientOperation[] {
  const sources: { file: string; document: DocumentNode }[] = [];
  const dirs = [join(repoRoot, 'simulator/src'), join(repoRoot, 'e2e')];
  for (const file of dirs.flatMap((d) => files(d, /\.ts$/))) {
    const text = readFileSync(file, 'utf8');
    // Named templates first, so `${PICKUP_RESULT}`-style pieces can be put back into the documents using them.
    const named = new Map<string, string>();
    for (const m of text.matchAll(/const (\w+) = \/\* GraphQL \*\/ `([\s\S]*?)`;/g)) named.set(m[1]!, m[2]!);
    const expand = (s: string) => s.replace(/\$\{(\w+)\}/g, (all, name: string) => named.get(name) ?? all);
    const candidates = [
      ...named.values(),
      // Inline operations: `query …`, `mutation …`, `subscription …`, or a `{ … }` shorthand query in quotes.
      ...[...text.matchAll(/[`'](\s*(?:query|mutation|subscription)\b[^`']*)[`']/g)].map((m) => m[1]!),
      ...[...text.matchAll(/[`'](\{\s*\w[^`']*\})[`']/g)].map((m) => m[1]!),
    ];
    for (const candidate of candidates) {
      const source = expand(candidate);
      if (source.includes('${')) continue;
      const document = tryParse(source);
      if (document?.definitions.some((d) => d.kind === Kind.OPERATION_DEFINITION)) sources.push({ file, document });
    }
  }
  return operationsWithFragments(sources, false);
}
