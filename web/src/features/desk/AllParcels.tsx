'use client';

import { useCallback, useEffect, useState } from 'react';
import { useQuery, useSubscription } from 'urql';
import { ConnectionBanner } from '@/components/ConnectionBanner';
import { useSession } from '@/components/SessionProvider';
import { STATUS_LABEL, formatDeadline, staffStatusText, whereText } from '@/features/parcels/describe';
import { ParcelUpdatedSubscription, ParcelsQuery } from '@/features/parcels/documents';
import type { ParcelStatus } from '@/gql/graphql';
import { useResyncOnReconnect } from '@/hooks/useResyncOnReconnect';
import { errorMessage } from '@/lib/errors';
import tables from '@/features/parcels/parcels.module.css';
import styles from './desk.module.css';

const STATUSES = Object.keys(STATUS_LABEL) as ParcelStatus[];

/** Staff and departments: parcels by status and search (a department sees its own people's parcels). */
export function AllParcels() {
  const { session } = useSession();
  const [status, setStatus] = useState<ParcelStatus | ''>('');
  const [text, setText] = useState('');
  const [search, setSearch] = useState('');
  useEffect(() => {
    const timer = setTimeout(() => setSearch(text.trim()), 300);
    return () => clearTimeout(timer);
  }, [text]);
  // Department viewers may not be allowed parcelUpdated: the list then refreshes on demand.
  const live = session?.person.role !== 'DEPARTMENT';
  useSubscription({ query: ParcelUpdatedSubscription, pause: !live });
  const [result, reexecute] = useQuery({
    query: ParcelsQuery,
    variables: { status: status || null, search: search || null, limit: 200 },
    requestPolicy: 'cache-and-network',
  });
  const refetch = useCallback(() => reexecute({ requestPolicy: 'network-only' }), [reexecute]);
  useResyncOnReconnect(refetch);
  const parcels = result.data?.parcels;

  return (
    <div className={styles.page}>
      <ConnectionBanner />
      <h1 className={styles.title}>Parcels</h1>
      <div className={styles.toolbar}>
        <div className="field">
          <label htmlFor="parcels-search">Search</label>
          <input
            id="parcels-search"
            type="search"
            value={text}
            onChange={(e) => setText(e.target.value)}
            placeholder="Tracking or recipient"
          />
        </div>
        <div className="field">
          <label htmlFor="parcels-status">Status</label>
          <select id="parcels-status" value={status} onChange={(e) => setStatus(e.target.value as ParcelStatus | '')}>
            <option value="">Any status</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {STATUS_LABEL[s]}
              </option>
            ))}
          </select>
        </div>
        {!live && (
          <button type="button" className="button button-secondary" onClick={refetch}>
            Refresh
          </button>
        )}
      </div>
      {!parcels ? (
        <p className={result.error ? 'error' : 'hint'} role={result.error ? 'alert' : 'status'}>
          {result.error ? errorMessage(result.error) : 'Loading…'}
        </p>
      ) : parcels.length === 0 ? (
        <p className="panel">No parcels match.</p>
      ) : (
        <div className={tables.tableWrap}>
          <table className={tables.table} data-testid="all-parcels">
            <thead>
              <tr>
                <th scope="col">Tracking</th>
                <th scope="col">Recipient</th>
                <th scope="col">Status</th>
                <th scope="col">Where</th>
                <th scope="col">Taken in</th>
              </tr>
            </thead>
            <tbody>
              {parcels.map((p) => (
                <tr key={p.id} data-testid={`parcel-row-${p.id}`} data-status={p.status}>
                  <td data-label="Tracking" className={styles.mono}>
                    <span>{p.tracking}</span>
                  </td>
                  <td data-label="Recipient">
                    <span>
                      {p.recipient.name}
                      <br />
                      <span className={styles.muted}>{p.recipient.email}</span>
                    </span>
                  </td>
                  <td data-label="Status">
                    <span>{staffStatusText(p)}</span>
                  </td>
                  <td data-label="Where">
                    <span>{whereText(p)}</span>
                  </td>
                  <td data-label="Taken in">
                    <span>
                      <time dateTime={p.createdAt}>{formatDeadline(p.createdAt)}</time>
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
