/**
 * IT's asset register: adding, changing and finding assets, their status by
 * hand (repair, retired, lost, back in stock), CSV import and export, and
 * each asset's history. The handover flows (loans, assignments, returns,
 * swaps) move an asset through LOADED, WITH_PERSON and RETURN_PENDING on the
 * handover core (handover/), as parcels do.
 *
 * Who may do what is the matrix's (access/matrix.ts): IT and ADMIN every
 * asset, a DEPARTMENT reads the assets it owns.
 */
import { authorize, grantOf } from '../access/authorize.js';
import type { Operation } from '../access/matrix.js';
import type { Db, Queryable } from '../db/index.js';
import type { Viewer } from '../people/types.js';
import type { Clock } from '../shared/clock.js';
import { parseCsv, toCsv } from '../shared/csv.js';
import { badInput } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { ASSET_CONDITIONS } from '../../../drizzle/schema/assets.js';
import type { AssetFilter, AssetStore } from './store.js';
import { normaliseTag, STAFF_STATUSES, type AssetCondition, type AssetRow, type AssetStatus } from './types.js';

export type AssetRefusalReason = 'DUPLICATE_TAG' | 'VERSION_CONFLICT' | 'INVALID' | 'STATUS_NOT_ALLOWED';
export type AssetResult =
  | { __typename: 'AssetSaved'; asset: AssetRow }
  | {
      __typename: 'AssetRefused';
      reason: AssetRefusalReason;
      field: string | null;
      message: string;
      current: AssetRow | null;
    };

export interface AssetImportResult {
  applied: boolean;
  created: number;
  updated: number;
  unchanged: number;
  errors: { line: number; tag: string | null; field: string | null; message: string }[];
}

/** Longest text per field: a label, a model name, a note. */
export const ASSET_LIMITS = {
  tag: 64,
  serial: 64,
  model: 120,
  category: 40,
  department: 80,
  notes: 2_000,
  reason: 500,
  csvBytes: 5_000_000,
  csvLines: 20_000,
  exportRows: 20_000,
} as const;

const CSV_COLUMNS = ['tag', 'serial', 'model', 'category', 'department', 'condition', 'status', 'notes'] as const;

type Details = Pick<AssetRow, 'serial' | 'model' | 'category' | 'department' | 'condition' | 'notes'>;
const DETAIL_COLUMNS = [
  'serial',
  'model',
  'category',
  'department',
  'condition',
  'notes',
] as const satisfies readonly (keyof Details)[];

/** A field that is wrong: the refusal names it. */
class Invalid extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** A control character other than a tab or a line break. */
const isControl = (ch: string) => {
  const c = ch.charCodeAt(0);
  return (c < 0x20 && ch !== '\t' && ch !== '\n' && ch !== '\r') || c === 0x7f;
};

const text = (field: keyof typeof ASSET_LIMITS, value: string, required: boolean): string => {
  const v = value.trim();
  if (required && !v) throw new Invalid(field, `${field} is empty.`);
  if (v.length > ASSET_LIMITS[field])
    throw new Invalid(field, `${field} is longer than ${ASSET_LIMITS[field]} characters.`);
  // Control characters have no place in a label or a note (line breaks aside, in notes).
  if ([...v].some(isControl)) throw new Invalid(field, `${field} holds control characters.`);
  return v;
};
const optional = (field: keyof typeof ASSET_LIMITS, value: string | null | undefined): string | null =>
  value === null || value === undefined ? null : text(field, value, false) || null;
const condition = (value: string): AssetCondition => {
  const v = value.trim().toUpperCase();
  if (!(ASSET_CONDITIONS as readonly string[]).includes(v))
    throw new Invalid('condition', `condition must be one of ${ASSET_CONDITIONS.join(', ')}.`);
  return v as AssetCondition;
};

export function createAssetService(deps: { db: Db; store: AssetStore; clock: Clock }) {
  const { db, store, clock } = deps;

  /** The viewer's reach for a read: every asset, or its department's (none without one). */
  function readScope(viewer: Viewer | null, op: Operation): { department: string | null } | null {
    const v = authorize(viewer, op);
    if (grantOf(v, op) === 'all') return { department: null };
    return v.department ? { department: v.department } : null;
  }
  const visible = (asset: AssetRow | undefined, scope: { department: string | null } | null) =>
    asset && scope && (scope.department === null || asset.department === scope.department) ? asset : null;

  const refused = (
    reason: AssetRefusalReason,
    message: string,
    field: string | null = null,
    current: AssetRow | null = null,
  ): AssetResult => ({ __typename: 'AssetRefused', reason, field, message, current });

  const history = (
    tx: Queryable,
    asset: AssetRow,
    kind: 'CREATED' | 'UPDATED' | 'STATUS' | 'IMPORTED',
    detail: string,
    by: string | null,
  ) =>
    store.addHistory(tx, {
      id: newId('ah'),
      assetId: asset.id,
      kind,
      status: asset.status,
      detail,
      by,
      at: asset.updatedAt,
    });

  /** "model: X → Y; notes changed" for the history. */
  function describeChanges(before: AssetRow, after: Partial<Details>): string {
    const changed = (Object.keys(after) as (keyof Details)[]).filter((k) => after[k] !== before[k]);
    return changed
      .map((k) => (k === 'notes' ? 'notes changed' : `${k}: ${before[k] ?? '—'} → ${after[k] ?? '—'}`))
      .join('; ');
  }

  function createInput(input: {
    tag: string;
    serial?: string | null;
    model: string;
    category: string;
    department?: string | null;
    condition?: string | null;
    notes?: string | null;
  }) {
    const tag = text('tag', input.tag, true);
    if (/\s/.test(tag.replace(/ /g, ''))) throw new Invalid('tag', 'tag holds line breaks or tabs.');
    return {
      tag,
      tagKey: normaliseTag(tag),
      serial: optional('serial', input.serial),
      model: text('model', input.model, true),
      category: text('category', input.category, true).toLowerCase(),
      department: optional('department', input.department),
      condition: condition(input.condition ?? 'GOOD'),
      notes: input.notes ? text('notes', input.notes, false) : '',
    };
  }

  function changesOf(input: {
    serial?: string | null;
    model?: string | null;
    category?: string | null;
    department?: string | null;
    condition?: string | null;
    notes?: string | null;
  }): Partial<Details> {
    const out: Partial<Details> = {};
    if (input.serial !== undefined) out.serial = optional('serial', input.serial);
    if (input.model !== undefined && input.model !== null) out.model = text('model', input.model, true);
    if (input.category !== undefined && input.category !== null)
      out.category = text('category', input.category, true).toLowerCase();
    if (input.department !== undefined) out.department = optional('department', input.department);
    if (input.condition !== undefined && input.condition !== null) out.condition = condition(input.condition);
    if (input.notes !== undefined) out.notes = input.notes === null ? '' : text('notes', input.notes, false);
    return out;
  }

  const guard = async (work: () => Promise<AssetResult>): Promise<AssetResult> => {
    try {
      return await work();
    } catch (err) {
      if (err instanceof Invalid) return refused('INVALID', err.message, err.field);
      throw err;
    }
  };

  return {
    async search(viewer: Viewer | null, filter: AssetFilter, limit: number): Promise<AssetRow[]> {
      const scope = readScope(viewer, 'Query.assets');
      if (!scope) return [];
      const capped = Math.min(Math.max(Math.trunc(limit), 1), 500);
      const search = filter.search ? filter.search.slice(0, 200) : null;
      return store.search({ ...filter, search, department: scope.department }, capped);
    },

    async find(viewer: Viewer | null, by: { id?: string | null; tag?: string | null }): Promise<AssetRow | null> {
      const scope = readScope(viewer, 'Query.asset');
      if (!by.id === !by.tag)
        throw badInput('Give the asset id or its tag, one of the two.', { field: by.id ? 'tag' : 'id' });
      if (by.tag && by.tag.length > ASSET_LIMITS.tag) return null;
      const asset = by.id ? await store.get(by.id) : await store.byTagKey(normaliseTag(by.tag!));
      return visible(asset, scope);
    },

    /** The asset's history, for a viewer who may see the asset (the caller resolved it). Names only for IT and ADMIN. */
    async history(viewer: Viewer | null, asset: AssetRow, limit: number) {
      const full = grantOf(viewer, 'Query.assets') === 'all';
      const rows = await store.history(asset.id, Math.min(Math.max(Math.trunc(limit), 1), 200));
      return rows.map((r) => ({ ...r, byName: full ? r.byName : null }));
    },

    async exportCsv(viewer: Viewer | null, filter: AssetFilter): Promise<string> {
      const scope = readScope(viewer, 'Query.assetsCsv');
      const rows = scope
        ? await store.search(
            { ...filter, search: filter.search?.slice(0, 200) ?? null, department: scope.department },
            ASSET_LIMITS.exportRows,
          )
        : [];
      return toCsv([CSV_COLUMNS, ...rows.map((a) => CSV_COLUMNS.map((c) => a[c]))]);
    },

    create(viewer: Viewer | null, input: Parameters<typeof createInput>[0]): Promise<AssetResult> {
      const v = authorize(viewer, 'Mutation.createAsset');
      return guard(async () => {
        const fields = createInput(input);
        const now = clock.now();
        return db.transaction(async (tx): Promise<AssetResult> => {
          const existing = await store.byTagKey(fields.tagKey, tx);
          if (existing)
            return refused('DUPLICATE_TAG', `Tag ${existing.tag} is in the register already.`, 'tag', existing);
          const asset = await store.insert(tx, {
            id: newId('ast'),
            ...fields,
            status: 'IN_STOCK',
            createdAt: now,
            updatedAt: now,
          });
          await history(tx, asset, 'CREATED', `${asset.model} (${asset.category})`, v.personId);
          return { __typename: 'AssetSaved', asset };
        });
      });
    },

    update(
      viewer: Viewer | null,
      id: string,
      version: number,
      input: Parameters<typeof changesOf>[0],
    ): Promise<AssetResult> {
      const v = authorize(viewer, 'Mutation.updateAsset');
      return guard(async () => {
        const changes = changesOf(input);
        return db.transaction(async (tx): Promise<AssetResult> => {
          const current = await store.get(id, tx);
          if (!current) return refused('INVALID', 'No asset has this id.', 'id');
          if (current.version !== version)
            return refused('VERSION_CONFLICT', 'The asset was changed meanwhile: look at it again.', null, current);
          const detail = describeChanges(current, changes);
          if (!detail) return { __typename: 'AssetSaved', asset: current };
          const asset = (await store.updateAt(tx, id, version, changes, clock.now()))!;
          await history(tx, asset, 'UPDATED', detail, v.personId);
          return { __typename: 'AssetSaved', asset };
        });
      });
    },

    setStatus(
      viewer: Viewer | null,
      id: string,
      version: number,
      status: AssetStatus,
      reason: string,
    ): Promise<AssetResult> {
      const v = authorize(viewer, 'Mutation.setAssetStatus');
      return guard(async () => {
        const why = text('reason', reason, true);
        if (!STAFF_STATUSES.includes(status))
          return refused(
            'STATUS_NOT_ALLOWED',
            `${status} comes from a handover (loading, pickup, return); set IN_STOCK, IN_REPAIR, RETIRED or LOST.`,
            'status',
          );
        return db.transaction(async (tx): Promise<AssetResult> => {
          const current = await store.get(id, tx);
          if (!current) return refused('INVALID', 'No asset has this id.', 'id');
          if (current.version !== version)
            return refused('VERSION_CONFLICT', 'The asset was changed meanwhile: look at it again.', null, current);
          if (current.status === 'LOADED')
            return refused(
              'STATUS_NOT_ALLOWED',
              'The asset is in a locker compartment: end its handover first.',
              'status',
              current,
            );
          if (current.status === status) return { __typename: 'AssetSaved', asset: current };
          const asset = (await store.updateAt(tx, id, version, { status }, clock.now()))!;
          await history(tx, asset, 'STATUS', `${current.status} → ${status}: ${why}`, v.personId);
          return { __typename: 'AssetSaved', asset };
        });
      });
    },

    /**
     * A CSV of assets: every line checked first, and nothing applied unless
     * every line is valid (and not with dryRun). A tag twice in the file is an
     * error on its second line; a tag in the register updates that asset.
     */
    async importCsv(viewer: Viewer | null, csv: string, dryRun: boolean): Promise<AssetImportResult> {
      const v = authorize(viewer, 'Mutation.importAssets');
      if (csv.length > ASSET_LIMITS.csvBytes)
        throw badInput('The file is larger than 5 MB; split it.', { field: 'csv' });
      const rows = parseCsv(csv);
      if (rows.length - 1 > ASSET_LIMITS.csvLines)
        throw badInput(`The file has more than ${ASSET_LIMITS.csvLines} lines; split it.`, { field: 'csv' });
      const header = (rows.shift() ?? []).map((h) => h.trim().toLowerCase());
      const col = (name: string) => header.indexOf(name);
      const missing = ['tag', 'model', 'category'].filter((c) => col(c) < 0);
      if (missing.length)
        throw badInput(
          `The first line must be a header naming at least tag, model and category (missing: ${missing.join(', ')}).`,
          {
            field: 'csv',
          },
        );
      // An export's status column is read past: statuses move by handovers and setAssetStatus.
      const unknown = header.filter((h) => h && !(CSV_COLUMNS as readonly string[]).includes(h));
      const result: AssetImportResult = { applied: false, created: 0, updated: 0, unchanged: 0, errors: [] };
      if (unknown.length)
        result.errors.push({ line: 1, tag: null, field: unknown[0]!, message: `unknown column ${unknown.join(', ')}` });

      // 1. Every line checked, on its own.
      const lines: { line: number; fields: ReturnType<typeof createInput> }[] = [];
      const seen = new Map<string, number>();
      for (const [i, cells] of rows.entries()) {
        const line = i + 2;
        if (cells.every((c) => !c.trim())) continue;
        const get = (name: string) => (col(name) >= 0 ? (cells[col(name)] ?? '') : '');
        try {
          const fields = createInput({
            tag: get('tag'),
            serial: get('serial') || null,
            model: get('model'),
            category: get('category'),
            department: get('department') || null,
            condition: get('condition').trim() || 'GOOD',
            notes: get('notes'),
          });
          const first = seen.get(fields.tagKey);
          if (first !== undefined) {
            result.errors.push({
              line,
              tag: fields.tag,
              field: 'tag',
              message: `tag ${fields.tag} is on line ${first} already`,
            });
            continue;
          }
          seen.set(fields.tagKey, line);
          lines.push({ line, fields });
        } catch (err) {
          if (!(err instanceof Invalid)) throw err;
          result.errors.push({ line, tag: get('tag').trim() || null, field: err.field, message: err.message });
        }
      }

      // 2. Applied in one transaction, or counted only: all or nothing.
      const apply = !dryRun && result.errors.length === 0;
      const counts = await db.transaction(async (tx) => {
        const existing = new Map(
          (
            await store.byTagKeys(
              lines.map((l) => l.fields.tagKey),
              tx,
            )
          ).map((a) => [a.tagKey, a]),
        );
        const c = { created: 0, updated: 0, unchanged: 0 };
        const now = clock.now();
        for (const { fields } of lines) {
          const current = existing.get(fields.tagKey);
          if (!current) {
            c.created++;
            if (apply) {
              const asset = await store.insert(tx, {
                id: newId('ast'),
                ...fields,
                status: 'IN_STOCK',
                createdAt: now,
                updatedAt: now,
              });
              await history(tx, asset, 'IMPORTED', `${asset.model} (${asset.category})`, v.personId);
            }
            continue;
          }
          // An update changes only the columns the file has: a file without `notes` keeps the notes.
          const details = Object.fromEntries(
            DETAIL_COLUMNS.filter((c) => col(c) >= 0).map((c) => [c, fields[c]]),
          ) as Partial<Details>;
          const detail = describeChanges(current, details);
          if (!detail) {
            c.unchanged++;
            continue;
          }
          c.updated++;
          if (apply) {
            const asset = (await store.updateAt(tx, current.id, current.version, details, now))!;
            await history(tx, asset, 'IMPORTED', detail, v.personId);
          }
        }
        return c;
      });
      return { ...result, ...counts, applied: apply };
    },
  };
}

export type AssetService = ReturnType<typeof createAssetService>;
