import { describe, expect, it } from 'vitest';
import { VersionBook } from './version-book';

const compartment = (version: number, door: 'OPEN' | 'CLOSED') => ({
  __typename: 'Compartment',
  id: 'c1',
  label: 'A07',
  version,
  door,
});

describe('VersionBook', () => {
  it('keeps a newer payload as is and records it', () => {
    const book = new VersionBook();
    const data = { compartmentUpdated: compartment(3, 'OPEN') };
    expect(book.reconcile(data, 'patch').stale).toBe(0);
    expect(book.versionOf('Compartment', 'c1')).toBe(3);
  });

  it('rewrites an older payload to the newest known values', () => {
    const book = new VersionBook();
    book.reconcile({ compartmentUpdated: compartment(5, 'OPEN') }, 'patch');
    const late = { compartmentUpdated: compartment(4, 'CLOSED') };
    expect(book.reconcile(late, 'patch').stale).toBe(1);
    expect(late.compartmentUpdated).toMatchObject({ version: 5, door: 'OPEN' });
    expect(book.versionOf('Compartment', 'c1')).toBe(5);
  });

  it('accepts an equal version (a re-sent event)', () => {
    const book = new VersionBook();
    book.reconcile(compartment(2, 'OPEN'), 'patch');
    const again = compartment(2, 'OPEN');
    expect(book.reconcile(again, 'patch').stale).toBe(0);
  });

  it('patches stale entities nested in a query (a resync racing an event)', () => {
    const book = new VersionBook();
    book.reconcile({ compartmentUpdated: compartment(9, 'OPEN') }, 'patch');
    const query = {
      sites: [
        {
          __typename: 'Site',
          id: 's1',
          banks: [
            {
              __typename: 'LockerBank',
              id: 'b1',
              version: 1,
              counts: { __typename: 'CompartmentCounts', open: 0 },
              compartments: [compartment(8, 'CLOSED')],
            },
          ],
        },
      ],
    };
    book.reconcile(query, 'patch');
    expect(query.sites[0]?.banks[0]?.compartments[0]).toMatchObject({ version: 9, door: 'OPEN' });
  });

  it('learns versions the cache serves without changing them', () => {
    const book = new VersionBook();
    const cached = compartment(7, 'OPEN');
    book.reconcile(cached, 'observe');
    const older = compartment(6, 'CLOSED');
    book.reconcile(older, 'patch');
    expect(older.door).toBe('OPEN');
  });

  it('tracks banks separately from compartments with the same id', () => {
    const book = new VersionBook();
    book.reconcile({ __typename: 'LockerBank', id: 'c1', version: 1, status: 'ONLINE' }, 'patch');
    const c = compartment(1, 'CLOSED');
    expect(book.reconcile(c, 'patch').stale).toBe(0);
  });
});
