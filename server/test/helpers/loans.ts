/**
 * Fixtures for tests of what happens to loans (reminders, escalation, lost
 * mode) while the loan flows themselves are built elsewhere: assets made
 * through the API, `loans` rows written straight into the database.
 */
import { eq } from 'drizzle-orm';
import { newId } from '../../src/shared/ids.js';
import type { TestServer } from './server.js';

let n = 0;

/** An asset in the register (IT's createAsset), by tag. */
export async function asset(
  server: TestServer,
  fields: { tag?: string; model?: string; category?: string; serial?: string },
): Promise<{ id: string; tag: string; serial: string | null }> {
  const tag = fields.tag ?? `LN-${++n}`;
  const res = await server.gql<{ createAsset: { __typename: string; asset?: { id: string; serial: string | null } } }>(
    `mutation ($i: CreateAssetInput!) { createAsset(input: $i) { __typename ... on AssetSaved { asset { id serial } } } }`,
    {
      i: {
        tag,
        model: fields.model ?? 'ThinkPad T14',
        category: fields.category ?? 'laptop',
        serial: fields.serial ?? `SN-${tag}`,
      },
    },
  );
  const made = res.data?.createAsset.asset;
  if (!made) throw new Error(`createAsset ${tag}: ${JSON.stringify(res)}`);
  return { id: made.id, tag, serial: made.serial };
}

export interface LoanFixture {
  assetId: string;
  personId: string;
  dueAt: Date | null;
  category?: string;
  siteId?: string | null;
  kind?: 'LOAN' | 'ASSIGNMENT';
  status?: 'PENDING' | 'ACTIVE' | 'RETURNING' | 'CLOSED' | 'CANCELLED' | 'LOST';
  startedAt?: Date;
}

/** A `loans` row as the loan flows would leave it (ACTIVE by default); returns its id. */
export async function insertLoan(server: TestServer, f: LoanFixture): Promise<string> {
  const { db, clock } = server.services;
  const now = clock.now();
  const id = newId('loan');
  await db.transaction(async (tx) => {
    await tx.insert(db.tables.loans).values({
      id,
      assetId: f.assetId,
      personId: f.personId,
      kind: f.kind ?? 'LOAN',
      status: f.status ?? 'ACTIVE',
      category: f.category ?? 'laptop',
      siteId: f.siteId ?? null,
      dueAt: f.dueAt,
      createdAt: f.startedAt ?? now,
      startedAt: f.startedAt ?? now,
      updatedAt: now,
    });
  });
  return id;
}

/** The loan's row as stored. */
export async function loanRow(server: TestServer, id: string) {
  const { db } = server.services;
  return (await db.read.select().from(db.tables.loans).where(eq(db.tables.loans.id, id)).limit(1))[0]!;
}
