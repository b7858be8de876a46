/**
 * The handover core's choice of compartment (reserveFitting), on a real
 * migrated SQLite database: which compartment an item goes in, that a
 * reservation is never shared, and that a laptop goes only where it charges.
 * The parcel suites run the same code on both engines through intake.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteDb, type SqliteDb } from '../db/index.js';
import { createHandoverStore, type HandoverStore } from './store.js';

let db: SqliteDb;
let handover: HandoverStore;
const at = new Date('2026-12-03T10:00:00Z');

type Spec = { label: string; size: 'S' | 'M' | 'L' | 'XL'; accessible?: boolean; hasCharging?: boolean };

async function bank(id: string, specs: Spec[], extra: Partial<Record<string, unknown>> = {}) {
  const { sites, lockerBanks, compartments } = db.tables;
  await db.transaction(async (tx) => {
    await tx.insert(sites).values({ id: 'site', name: 'Campus' }).onConflictDoNothing();
    await tx.insert(lockerBanks).values({ id, siteId: 'site', name: id, deviceTokenHash: `hash-${id}` });
    for (const s of specs) await tx.insert(compartments).values({ id: `${id}-${s.label}`, bankId: id, ...s, ...extra });
  });
}

const reserve = (bankIds: string[], fit: Parameters<HandoverStore['reserveFitting']>[2]) =>
  handover.inTurn(bankIds, (tx) => handover.reserveFitting(tx, bankIds, fit, at));

beforeEach(() => {
  db = openSqliteDb(':memory:');
  handover = createHandoverStore(db);
});
afterEach(async () => db.close());

describe('reserveFitting', () => {
  it('takes the smallest size that fits, leaves low compartments to those who need them, and marks it RESERVED', async () => {
    await bank('b1', [
      { label: 'A01', size: 'L' },
      { label: 'A02', size: 'M', accessible: true },
      { label: 'A03', size: 'M' },
      { label: 'A04', size: 'S' },
    ]);
    const first = await reserve(['b1'], { size: 'M', needsAccessible: false });
    expect(first?.compartment).toMatchObject({ label: 'A03', state: 'RESERVED', version: 2 });
    expect((await reserve(['b1'], { size: 'M', needsAccessible: false }))?.compartment.label).toBe('A02');
    expect((await reserve(['b1'], { size: 'M', needsAccessible: false }))?.compartment.label).toBe('A01');
    expect(await reserve(['b1'], { size: 'M', needsAccessible: false })).toBeUndefined();
    // The S one is still there for a small item.
    expect((await reserve(['b1'], { size: 'S', needsAccessible: false }))?.compartment.label).toBe('A04');
  });

  it('gives a person who needs a low compartment an accessible one, even a larger one', async () => {
    await bank('b1', [
      { label: 'A01', size: 'S' },
      { label: 'A02', size: 'L', accessible: true },
    ]);
    expect((await reserve(['b1'], { size: 'S', needsAccessible: true }))?.compartment.label).toBe('A02');
  });

  it('tries the banks in the order given, the preferred first', async () => {
    await bank('b1', [{ label: 'A01', size: 'M' }]);
    await bank('b2', [{ label: 'B01', size: 'S' }]);
    expect(await reserve(['b2', 'b1'], { size: 'S', needsAccessible: false })).toMatchObject({
      bankId: 'b2',
      compartment: { label: 'B01' },
    });
    expect(await reserve(['b2', 'b1'], { size: 'S', needsAccessible: false })).toMatchObject({ bankId: 'b1' });
  });

  it('puts an item that needs charging only where it charges', async () => {
    await bank('b1', [
      { label: 'A01', size: 'M' },
      { label: 'A02', size: 'L', hasCharging: true },
    ]);
    expect((await reserve(['b1'], { size: 'M', needsAccessible: false, needsCharging: true }))?.compartment.label).toBe(
      'A02',
    );
    expect(await reserve(['b1'], { size: 'M', needsAccessible: false, needsCharging: true })).toBeUndefined();
  });

  it('skips a compartment that is open, occupied or not AVAILABLE', async () => {
    await bank('open', [{ label: 'A01', size: 'M' }], { door: 'OPEN' });
    await bank('full', [{ label: 'A01', size: 'M' }], { occupancy: 'OCCUPIED' });
    await bank('used', [{ label: 'A01', size: 'M' }], { state: 'IN_USE' });
    expect(await reserve(['open', 'full', 'used'], { size: 'M', needsAccessible: false })).toBeUndefined();
    expect(
      await handover.banksWithFreeFitting(['open', 'full', 'used'], { size: 'S', needsAccessible: false }),
    ).toEqual(new Set());
  });

  it('never gives two concurrent reservations the same compartment', async () => {
    await bank(
      'b1',
      Array.from({ length: 5 }, (_, i) => ({ label: `A0${i}`, size: 'M' as const })),
    );
    const results = await Promise.all(
      Array.from({ length: 12 }, () => reserve(['b1'], { size: 'M', needsAccessible: false })),
    );
    const labels = results.flatMap((r) => (r ? [r.compartment.label] : []));
    expect(labels).toHaveLength(5);
    expect(new Set(labels).size).toBe(5);
  });

  it('releases a reservation once, and only a RESERVED compartment', async () => {
    await bank('b1', [{ label: 'A01', size: 'M' }]);
    const r = await reserve(['b1'], { size: 'M', needsAccessible: false });
    const freed = await db.transaction((tx) => handover.releaseReservation(tx, r!.compartment.id, at));
    expect(freed).toMatchObject({ state: 'AVAILABLE', version: 3 });
    expect(await db.transaction((tx) => handover.releaseReservation(tx, r!.compartment.id, at))).toBeUndefined();
  });
});
