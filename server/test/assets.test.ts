/**
 * IT's asset register over the real API: adding, changing and finding
 * assets, statuses by hand, history, CSV import (all or nothing, nothing
 * applied twice) and export, and who may see what (IT and ADMIN every asset,
 * a department its own, nobody else). Runs on SQLite and on PostgreSQL.
 */
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../src/shared/csv.js';
import { member, person } from './helpers/parcels.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const ASSET = `id tag serial model category department condition status notes version`;
const CREATE = `mutation ($i: CreateAssetInput!) { createAsset(input: $i) {
  __typename ... on AssetSaved { asset { ${ASSET} } }
  ... on AssetRefused { reason field message current { id version } } } }`;
const UPDATE = `mutation ($id: ID!, $v: Int!, $i: UpdateAssetInput!) { updateAsset(id: $id, version: $v, input: $i) {
  __typename ... on AssetSaved { asset { ${ASSET} } }
  ... on AssetRefused { reason field message current { id version model } } } }`;
const STATUS = `mutation ($id: ID!, $v: Int!, $s: AssetStatus!, $r: String!) {
  setAssetStatus(id: $id, version: $v, status: $s, reason: $r) {
  __typename ... on AssetSaved { asset { ${ASSET} history { kind status detail byName } } }
  ... on AssetRefused { reason field message } } }`;
const IMPORT = `mutation ($csv: String!, $dry: Boolean) { importAssets(csv: $csv, dryRun: $dry) {
  applied created updated unchanged errors { line tag field message } } }`;
const SEARCH = `query ($s: String, $st: AssetStatus, $c: String) { assets(search: $s, status: $st, category: $c) { tag department status } }`;

interface Saved {
  __typename: string;
  asset?: Record<string, unknown> & { id: string; version: number };
  reason?: string;
  field?: string | null;
  current?: { id: string; version: number; model?: string } | null;
}

async function create(server: TestServer, token: string, input: Record<string, unknown>) {
  const res = await server.gql<{ createAsset: Saved }>(CREATE, { i: input }, token);
  expect(res.errors).toBeUndefined();
  return res.data!.createAsset;
}

describe('the asset register', () => {
  it('adds an asset IN_STOCK, finds it by a scanned tag however it is spaced, and refuses the same tag twice', async () => {
    const server = await startTestServer();
    const it = await person(server, 'IT');
    const saved = await create(server, it.token, {
      tag: 'LT 00042',
      serial: 'PF3X9Z',
      model: 'ThinkPad T14 Gen 4',
      category: 'Laptop',
      department: 'Physics',
    });
    expect(saved).toMatchObject({
      __typename: 'AssetSaved',
      asset: { tag: 'LT 00042', category: 'laptop', status: 'IN_STOCK', condition: 'GOOD', version: 1, notes: '' },
    });
    const scanned = await server.gql<{ asset: { id: string } | null }>(
      `query ($t: String) { asset(tag: $t) { id } }`,
      { t: ' lt00042 ' },
      it.token,
    );
    expect(scanned.data?.asset?.id).toBe(saved.asset!.id);

    const again = await create(server, it.token, {
      tag: 'lt-00042'.replace('-', ''),
      model: 'Other',
      category: 'laptop',
    });
    expect(again).toMatchObject({ __typename: 'AssetRefused', reason: 'DUPLICATE_TAG', field: 'tag' });
    expect(again.current?.id).toBe(saved.asset!.id);
  });

  it('names the field of bad input, and keeps nothing of it', async () => {
    const server = await startTestServer();
    const it = await person(server, 'IT');
    const cases: [Record<string, unknown>, string][] = [
      [{ tag: '   ', model: 'M', category: 'laptop' }, 'tag'],
      [{ tag: 'A'.repeat(65), model: 'M', category: 'laptop' }, 'tag'],
      [{ tag: 'T1', model: '', category: 'laptop' }, 'model'],
      [{ tag: 'T1', model: 'M', category: 'laptop', notes: 'x'.repeat(2_001) }, 'notes'],
      [{ tag: 'T1', model: 'M\u0007', category: 'laptop' }, 'model'],
      [{ tag: 'T\t1', model: 'M', category: 'laptop' }, 'tag'],
    ];
    for (const [input, field] of cases) {
      const r = await create(server, it.token, input);
      expect(r, JSON.stringify(input).slice(0, 80)).toMatchObject({
        __typename: 'AssetRefused',
        reason: 'INVALID',
        field,
      });
    }
    const all = await server.gql<{ assets: unknown[] }>(SEARCH, {}, it.token);
    expect(all.data?.assets).toEqual([]);
    // Asking for one asset takes its id or its tag, not both and not neither; a tag longer than any finds none.
    for (const vars of [{}, { id: 'ast_x', tag: 'T1' }]) {
      const r = await server.gql(`query ($id: ID, $tag: String) { asset(id: $id, tag: $tag) { id } }`, vars, it.token);
      expect(r.errors?.[0]?.extensions?.code, JSON.stringify(vars)).toBe('BAD_USER_INPUT');
    }
    const long = await server.gql<{ asset: unknown }>(
      `query ($t: String) { asset(tag: $t) { id } }`,
      { t: 'T'.repeat(65) },
      it.token,
    );
    expect(long.data?.asset).toBeNull();
  });

  it('changes details only at the version the caller saw, and keeps each change in the history', async () => {
    const server = await startTestServer();
    const it = await person(server, 'IT');
    const { asset } = await create(server, it.token, { tag: 'LT-1', model: 'T14', category: 'laptop' });
    const first = await server.gql<{ updateAsset: Saved }>(
      UPDATE,
      { id: asset!.id, v: 1, i: { model: 'T14 Gen 5', condition: 'FAIR' } },
      it.token,
    );
    expect(first.data?.updateAsset).toMatchObject({
      __typename: 'AssetSaved',
      asset: { model: 'T14 Gen 5', version: 2 },
    });
    // A second desk still holding version 1: refused, shown what it is now, nothing overwritten.
    const stale = await server.gql<{ updateAsset: Saved }>(
      UPDATE,
      { id: asset!.id, v: 1, i: { model: 'Stale edit' } },
      it.token,
    );
    expect(stale.data?.updateAsset).toMatchObject({
      __typename: 'AssetRefused',
      reason: 'VERSION_CONFLICT',
      current: { version: 2, model: 'T14 Gen 5' },
    });
    const status = await server.gql<{ setAssetStatus: Saved & { asset: { history: unknown[] } } }>(
      STATUS,
      { id: asset!.id, v: 2, s: 'IN_REPAIR', r: 'Cracked screen' },
      it.token,
    );
    expect(status.data?.setAssetStatus.asset).toMatchObject({ status: 'IN_REPAIR', version: 3 });
    expect(status.data?.setAssetStatus.asset.history).toEqual([
      {
        kind: 'STATUS',
        status: 'IN_REPAIR',
        detail: 'IN_STOCK → IN_REPAIR: Cracked screen',
        byName: expect.any(String),
      },
      {
        kind: 'UPDATED',
        status: 'IN_STOCK',
        detail: 'model: T14 → T14 Gen 5; condition: GOOD → FAIR',
        byName: expect.any(String),
      },
      { kind: 'CREATED', status: 'IN_STOCK', detail: 'T14 (laptop)', byName: expect.any(String) },
    ]);
  });

  it('leaves the statuses of a handover to the handover, and asks a reason for the rest', async () => {
    const server = await startTestServer();
    const admin = await person(server, 'ADMIN');
    const { asset } = await create(server, admin.token, { tag: 'LT-2', model: 'T14', category: 'laptop' });
    for (const s of ['LOADED', 'WITH_PERSON', 'RETURN_PENDING', 'RETURNED']) {
      const r = await server.gql<{ setAssetStatus: Saved }>(STATUS, { id: asset!.id, v: 1, s, r: 'why' }, admin.token);
      expect(r.data?.setAssetStatus).toMatchObject({
        __typename: 'AssetRefused',
        reason: 'STATUS_NOT_ALLOWED',
        field: 'status',
      });
    }
    const noReason = await server.gql<{ setAssetStatus: Saved }>(
      STATUS,
      { id: asset!.id, v: 1, s: 'LOST', r: '  ' },
      admin.token,
    );
    expect(noReason.data?.setAssetStatus).toMatchObject({ reason: 'INVALID', field: 'reason' });
    const lost = await server.gql<{ setAssetStatus: Saved }>(
      STATUS,
      { id: asset!.id, v: 1, s: 'LOST', r: 'Reported stolen' },
      admin.token,
    );
    expect(lost.data?.setAssetStatus.asset).toMatchObject({ status: 'LOST' });
  });

  it('imports a CSV all or nothing, naming the line and field of every error, and applies a file once however often it is sent', async () => {
    const server = await startTestServer();
    const it = await person(server, 'IT');
    await create(server, it.token, { tag: 'LT-10', model: 'Old model', category: 'laptop' });
    const bad = [
      'Tag,Model,Category,Serial,Condition',
      'LT-10,T14 Gen 5,laptop,S10,GOOD',
      'LT-11,T14 Gen 5,laptop,S11,SHINY',
      'LT-12,,laptop,S12,',
      'lt-10,Dup,laptop,,',
      'LT-13,MacBook Air,laptop,S13,NEW',
    ].join('\n');
    const refused = await server.gql<{ importAssets: Record<string, unknown> }>(IMPORT, { csv: bad }, it.token);
    expect(refused.data?.importAssets).toEqual({
      applied: false,
      created: 1,
      updated: 1,
      unchanged: 0,
      errors: [
        { line: 3, tag: 'LT-11', field: 'condition', message: expect.stringContaining('condition must be one of') },
        { line: 4, tag: 'LT-12', field: 'model', message: 'model is empty.' },
        { line: 5, tag: 'lt-10', field: 'tag', message: 'tag lt-10 is on line 2 already' },
      ],
    });
    // Nothing of it was applied.
    let all = await server.gql<{ assets: { tag: string }[] }>(SEARCH, {}, it.token);
    expect(all.data?.assets.map((a) => a.tag)).toEqual(['LT-10']);

    const good = ['tag,model,category,serial', 'LT-10,T14 Gen 5,laptop,S10', 'LT-13,MacBook Air,laptop,S13', ''].join(
      '\r\n',
    );
    const preview = await server.gql<{ importAssets: Record<string, unknown> }>(
      IMPORT,
      { csv: good, dry: true },
      it.token,
    );
    expect(preview.data?.importAssets).toMatchObject({ applied: false, created: 1, updated: 1, errors: [] });
    const applied = await server.gql<{ importAssets: Record<string, unknown> }>(IMPORT, { csv: good }, it.token);
    expect(applied.data?.importAssets).toMatchObject({
      applied: true,
      created: 1,
      updated: 1,
      unchanged: 0,
      errors: [],
    });
    const twice = await server.gql<{ importAssets: Record<string, unknown> }>(IMPORT, { csv: good }, it.token);
    expect(twice.data?.importAssets).toMatchObject({ applied: true, created: 0, updated: 0, unchanged: 2, errors: [] });
    all = await server.gql<{ assets: { tag: string }[] }>(SEARCH, {}, it.token);
    expect(all.data?.assets.map((a) => a.tag)).toEqual(['LT-10', 'LT-13']);

    // A file without some columns leaves them as they are on the assets it updates.
    const lt13 = (
      await server.gql<{ asset: { id: string; version: number } }>(
        `{ asset(tag: "LT-13") { id version } }`,
        {},
        it.token,
      )
    ).data!.asset;
    await server.gql(
      UPDATE,
      { id: lt13.id, v: lt13.version, i: { notes: 'Keyboard sticky', condition: 'FAIR' } },
      it.token,
    );
    const partial = await server.gql<{ importAssets: Record<string, unknown> }>(
      IMPORT,
      { csv: 'tag,model,category\nLT-13,MacBook Air,laptop\n' },
      it.token,
    );
    expect(partial.data?.importAssets).toMatchObject({ applied: true, updated: 0, unchanged: 1 });
    const after = await server.gql<{ asset: Record<string, unknown> }>(
      `{ asset(tag: "LT-13") { notes condition serial } }`,
      {},
      it.token,
    );
    expect(after.data?.asset).toEqual({ notes: 'Keyboard sticky', condition: 'FAIR', serial: 'S13' });

    const header = await server.gql(IMPORT, { csv: 'serial,model\nS1,T14' }, it.token);
    expect(header.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('exports what it imports, with formulas defused', async () => {
    const server = await startTestServer();
    const it = await person(server, 'IT');
    await create(server, it.token, { tag: 'LT-20', model: 'T14', category: 'laptop', notes: '=HYPERLINK("http://x")' });
    await create(server, it.token, {
      tag: 'LT-21',
      model: 'Charger, USB-C',
      category: 'charger',
      department: 'Physics',
    });
    const csv = (await server.gql<{ assetsCsv: string }>(`{ assetsCsv }`, {}, it.token)).data!.assetsCsv;
    const rows = parseCsv(csv);
    expect(rows).toEqual([
      ['tag', 'serial', 'model', 'category', 'department', 'condition', 'status', 'notes'],
      ['LT-20', '', 'T14', 'laptop', '', 'GOOD', 'IN_STOCK', `'=HYPERLINK("http://x")`],
      ['LT-21', '', 'Charger, USB-C', 'charger', 'Physics', 'GOOD', 'IN_STOCK', ''],
    ]);
    // Importing the export back changes nothing but the defused note (the apostrophe is now text).
    const back = await server.gql<{ importAssets: Record<string, unknown> }>(IMPORT, { csv }, it.token);
    expect(back.data?.importAssets).toMatchObject({ applied: true, created: 0, updated: 1, unchanged: 1, errors: [] });
  });

  it('shows a department only the assets it owns, without who changed them; students and the mailroom nothing', async () => {
    const server = await startTestServer();
    const it = await person(server, 'IT');
    const physics = await create(server, it.token, {
      tag: 'PH-1',
      model: 'T14',
      category: 'laptop',
      department: 'Physics',
    });
    const chem = await create(server, it.token, {
      tag: 'CH-1',
      model: 'T14',
      category: 'laptop',
      department: 'Chemistry',
    });
    const analyst = await member(server, {
      email: 'analyst@physics.test',
      name: 'Analyst',
      role: 'DEPARTMENT',
      department: 'Physics',
    });

    const mine = await server.gql<{ assets: { tag: string }[] }>(SEARCH, {}, analyst.token);
    expect(mine.data?.assets.map((a) => a.tag)).toEqual(['PH-1']);
    const other = await server.gql<{ asset: unknown }>(
      `query ($id: ID) { asset(id: $id) { id } }`,
      { id: chem.asset!.id },
      analyst.token,
    );
    expect(other.data?.asset).toBeNull();
    const own = await server.gql<{ asset: { history: { byName: string | null }[] } }>(
      `query ($id: ID) { asset(id: $id) { history { byName } } }`,
      { id: physics.asset!.id },
      analyst.token,
    );
    expect(own.data?.asset.history).toEqual([{ byName: null }]);
    const csv = (await server.gql<{ assetsCsv: string }>(`{ assetsCsv }`, {}, analyst.token)).data!.assetsCsv;
    expect(csv).toContain('PH-1');
    expect(csv).not.toContain('CH-1');
    // A department reads; it does not change the register.
    const write = await server.gql(CREATE, { i: { tag: 'PH-2', model: 'T14', category: 'laptop' } }, analyst.token);
    expect(write.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    for (const role of ['STUDENT', 'MAILROOM', 'COURIER'] as const) {
      const someone = await person(server, role);
      const r = await server.gql(SEARCH, {}, someone.token);
      expect(r.errors?.[0]?.extensions?.code, role).toBe('FORBIDDEN');
    }
  });
});
