/**
 * Offline replay: the IT console's queued mutations carry idempotency keys
 * and are applied once however often they are sent; a key reused for another
 * change is refused; what changed meanwhile comes back as the mutation's own
 * typed refusal, never silently dropped or applied on top.
 */
import { describe, expect, it } from 'vitest';
import { person } from './helpers/parcels.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { asset, CREATE_HANDOUT, handoutWorld } from './helpers/handouts.js';

/** A POST /graphql with an Idempotency-Key header, as the console's replay sends it. */
async function send(server: TestServer, token: string, key: string, query: string, variables: Record<string, unknown>) {
  const res = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'idempotency-key': key },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: any; errors?: { extensions?: { code?: string } }[]; extensions?: any };
}

const UPDATE = `mutation ($id: ID!, $version: Int!, $notes: String) {
  updateAsset(id: $id, version: $version, input: { notes: $notes }) {
    __typename ... on AssetSaved { asset { version notes } } ... on AssetRefused { reason current { version notes } }
  }
}`;

describe('offline replay', () => {
  it('applies a replayed mutation once and answers every replay the same', async () => {
    const server = await startTestServer();
    const { it: tech, student } = await handoutWorld(server);
    const laptop = await asset(server, tech);
    const vars = { input: { assetTag: laptop.tag, personId: student.id } };
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => send(server, tech.token, 'replay-key-0001', CREATE_HANDOUT, vars)),
    );
    const done = answers.filter((a) => a.data?.createHandout?.__typename === 'HandoutDone');
    const loanIds = new Set(done.map((a) => a.data.createHandout.loan.id));
    expect(loanIds.size).toBe(1);
    // Sent at once, the others were told it is being applied (CONFLICT), not applied again.
    for (const a of answers.filter((x) => !x.data?.createHandout))
      expect(a.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const later = await send(server, tech.token, 'replay-key-0001', CREATE_HANDOUT, vars);
    expect(later.data?.createHandout.loan.id).toBe([...loanIds][0]);
    expect(later.extensions?.replayed).toBe(true);
    const loans = await server.gql(`{ loans { id } }`, {}, tech.token);
    expect(loans.data?.loans).toHaveLength(1);
  });

  it('refuses a key reused for another change, and a malformed key; keys are per person', async () => {
    const server = await startTestServer();
    const tech = await person(server, 'IT');
    const other = await person(server, 'IT');
    const laptop = await asset(server, tech);
    const first = await send(server, tech.token, 'key-for-notes', UPDATE, { id: laptop.id, version: 1, notes: 'a' });
    expect(first.data?.updateAsset.__typename).toBe('AssetSaved');
    const reused = await send(server, tech.token, 'key-for-notes', UPDATE, { id: laptop.id, version: 2, notes: 'b' });
    expect(reused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const bad = await send(server, tech.token, 'x', UPDATE, { id: laptop.id, version: 2, notes: 'b' });
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    // Another person's identical key is their own: it runs, and meets the change made meanwhile.
    const theirs = await send(server, other.token, 'key-for-notes', UPDATE, { id: laptop.id, version: 1, notes: 'c' });
    expect(theirs.data?.updateAsset).toMatchObject({
      __typename: 'AssetRefused',
      reason: 'VERSION_CONFLICT',
      current: { version: 2, notes: 'a' },
    });
  });
});
