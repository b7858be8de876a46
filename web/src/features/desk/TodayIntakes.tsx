'use client';

import { useCallback, useMemo } from 'react';
import { useQuery } from 'urql';
import { staffStatusText, whereText } from '@/features/parcels/describe';
import { ParcelsQuery } from '@/features/parcels/documents';
import { useNow } from '@/hooks/useNow';
import { useResyncOnReconnect } from '@/hooks/useResyncOnReconnect';
import { errorMessage } from '@/lib/errors';
import { startOfDay } from '@/features/intake/deposit';
import styles from '@/features/parcels/parcels.module.css';
import deskStyles from './desk.module.css';

/** Parcels taken in today, newest first, live through parcelUpdated (the page subscribes). */
export function TodayIntakes() {
  const now = useNow(60_000);
  const [result, reexecute] = useQuery({
    query: ParcelsQuery,
    variables: { limit: 200 },
    requestPolicy: 'cache-and-network',
  });
  const refetch = useCallback(() => reexecute({ requestPolicy: 'network-only' }), [reexecute]);
  useResyncOnReconnect(refetch);
  const since = startOfDay(now);
  const today = useMemo(
    () =>
      (result.data?.parcels ?? [])
        .filter((p) => Date.parse(p.createdAt) >= since)
        .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt)),
    [result.data, since],
  );

  return (
    <section aria-labelledby="today-intakes" className={deskStyles.today}>
      <h2 id="today-intakes" className={deskStyles.panelTitle}>
        Today&apos;s intakes <span className={deskStyles.count}>({today.length})</span>
      </h2>
      {result.error && !result.data ? (
        <p className="error" role="alert">
          {errorMessage(result.error)}
        </p>
      ) : today.length === 0 ? (
        <p className="hint">{result.fetching ? 'Loading…' : 'Nothing taken in yet today.'}</p>
      ) : (
        <div className={styles.tableWrap}>
          <table className={styles.table} data-testid="today-intakes">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Tracking</th>
                <th scope="col">Recipient</th>
                <th scope="col">Size</th>
                <th scope="col">Status</th>
                <th scope="col">Where</th>
              </tr>
            </thead>
            <tbody>
              {today.map((p) => (
                <tr key={p.id} data-testid={`intake-row-${p.id}`} data-status={p.status}>
                  <td data-label="Time">
                    <span>
                      <time dateTime={p.createdAt}>
                        {new Date(p.createdAt).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })}
                      </time>
                    </span>
                  </td>
                  <td data-label="Tracking" className={deskStyles.mono}>
                    <span>
                      {p.tracking}
                      {p.carrier && <span className={deskStyles.carrier}> {p.carrier}</span>}
                    </span>
                  </td>
                  <td data-label="Recipient">
                    <span>{p.recipient.name}</span>
                  </td>
                  <td data-label="Size">
                    <span>{p.size}</span>
                  </td>
                  <td data-label="Status">
                    <span>{staffStatusText(p)}</span>
                  </td>
                  <td data-label="Where">
                    <span>{whereText(p)}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
