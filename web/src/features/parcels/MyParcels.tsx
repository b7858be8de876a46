'use client';

import { useCallback, useMemo } from 'react';
import { useQuery, useSubscription } from 'urql';
import { ConnectionBanner } from '@/components/ConnectionBanner';
import { NothingSaved } from '@/components/NothingSaved';
import { useSession } from '@/components/SessionProvider';
import { useNow } from '@/hooks/useNow';
import { useResyncOnReconnect } from '@/hooks/useResyncOnReconnect';
import { errorMessage } from '@/lib/errors';
import { groupParcels } from './describe';
import { MyParcelUpdatedSubscription, MyParcelsQuery } from './documents';
import { ParcelCard } from './ParcelCard';
import styles from './parcels.module.css';

/**
 * The signed-in person's parcels, live. The query's answer (codes and QR
 * tokens included) is persisted by Graphcache, so an installed app shows them
 * offline; the banner then says how old they are.
 */
export function MyParcels() {
  const { session } = useSession();
  const now = useNow(30_000);
  useSubscription({ query: MyParcelUpdatedSubscription });
  const [result, reexecute] = useQuery({ query: MyParcelsQuery, requestPolicy: 'cache-and-network' });
  const refetch = useCallback(() => reexecute({ requestPolicy: 'network-only' }), [reexecute]);
  useResyncOnReconnect(refetch);

  const parcels = result.data?.myParcels;
  const groups = useMemo(() => (parcels ? groupParcels(parcels) : null), [parcels]);
  const personId = session?.person.id ?? '';

  return (
    <div className={styles.page}>
      <ConnectionBanner hasData={groups !== null || result.fetching} />
      <div>
        <h1 className={styles.title}>My parcels</h1>
        <p className={styles.summary}>Codes and QR codes stay on this device, so they work without a connection.</p>
      </div>

      {!groups ? (
        result.error ? (
          <div className="panel" role="alert">
            <p>
              {result.error.networkError
                ? 'Cannot reach the Baylight server, and no parcels are saved on this device yet.'
                : errorMessage(result.error)}
            </p>
            <button type="button" className="button" onClick={refetch}>
              Try again
            </button>
          </div>
        ) : result.fetching ? (
          <p className="page-message" role="status">
            Loading your parcels…
          </p>
        ) : (
          // Answered from the offline copy alone, and it had no parcels.
          <NothingSaved what="your parcels" onRetry={refetch} />
        )
      ) : (
        <>
          <section aria-labelledby="in-lockers" className={styles.section}>
            <h2 id="in-lockers" className={styles.sectionTitle}>
              Waiting for you
            </h2>
            {groups.inLockers.length === 0 && groups.atDesk.length === 0 ? (
              <p className="panel" data-testid="no-parcels">
                No parcels waiting. When one arrives you get an e-mail (and a notification if you turned them on in
                Settings).
              </p>
            ) : (
              <div className={styles.cards}>
                {[...groups.inLockers, ...groups.atDesk].map((p) => (
                  <ParcelCard key={p.id} parcel={p} personId={personId} now={now} />
                ))}
              </div>
            )}
          </section>
          {groups.pickedUp.length > 0 && (
            <section aria-labelledby="history" className={styles.section}>
              <h2 id="history" className={styles.sectionTitle}>
                History
              </h2>
              <div className={styles.cards}>
                {groups.pickedUp.map((p) => (
                  <ParcelCard key={p.id} parcel={p} personId={personId} now={now} />
                ))}
              </div>
            </section>
          )}
        </>
      )}
    </div>
  );
}
