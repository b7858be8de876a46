import { describe, expect, it } from 'vitest';
import { openSqliteDb } from '../db/index.js';
import { budgetKey } from './budgets.js';
import { createAttemptService } from './service.js';

describe('attempt service housekeeping', () => {
  it('forgets the log after 90 days and idle clients after a week, but never a bank’s lifetime count', async () => {
    const db = openSqliteDb(':memory:');
    let now = new Date('2026-01-01T00:00:00Z');
    const attempts = createAttemptService({ db, clock: { now: () => now } });
    const req = {
      secret: 'PICKUP_CODE' as const,
      scopes: { bank: 'bank_1', client: '10.0.0.1' },
      credential: 'kiosk:k1',
      client: '10.0.0.1',
      bankId: 'bank_1',
    };
    const begun = await attempts.begin(req);
    if (!begun.ok) throw new Error('refused');
    await begun.fail();
    expect(await attempts.recent({ bankId: 'bank_1' }, 10)).toHaveLength(1);

    now = new Date('2026-01-09T00:00:00Z'); // 8 days on
    await attempts.prune();
    const counter = (key: string) => attempts.store.counter(db.read, key, now);
    expect((await counter(budgetKey('PICKUP_CODE', 'client', '10.0.0.1'))).total).toBe(0);
    expect((await counter(budgetKey('PICKUP_CODE', 'bank', 'bank_1'))).total).toBe(1);
    expect(await attempts.recent({ bankId: 'bank_1' }, 10)).toHaveLength(1);

    now = new Date('2026-04-15T00:00:00Z'); // past 90 days
    await attempts.prune();
    expect(await attempts.recent({ bankId: 'bank_1' }, 10)).toHaveLength(0);
    expect(await attempts.total('PICKUP_CODE', 'bank', 'bank_1')).toBe(1);
    await db.close();
  });
});
