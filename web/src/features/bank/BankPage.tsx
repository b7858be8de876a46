'use client';

import { useCallback, useEffect } from 'react';
import { useQuery, useSubscription } from 'urql';
import { AppLink } from '@/components/AppLink';
import { ConnectionBanner } from '@/components/ConnectionBanner';
import { BankStatusBadge } from '@/features/board/BankStatusBadge';
import { LockerBankUpdatedSubscription } from '@/features/board/documents';
import { formatAsOf, relativeTime } from '@/features/board/describe';
import { useLiveness } from '@/hooks/useLiveness';
import { useNow } from '@/hooks/useNow';
import { useResyncOnReconnect } from '@/hooks/useResyncOnReconnect';
import { errorMessage } from '@/lib/errors';
import { NAV } from '@/lib/roles';
import { ControllerPanel } from './ControllerPanel';
import { BankDetailsQuery } from './documents';
import { EventLog } from './EventLog';
import styles from './bank.module.css';

/** The controller's facts change only on connect and with each health report: re-read them this often. */
const CONTROLLER_REFRESH_MS = 30_000;

/** A bank for staff: its status, its controller (identity, clock, health) and its event log. */
export function BankPage({ bankId }: { bankId: string }) {
  useSubscription({ query: LockerBankUpdatedSubscription });
  const [result, reexecute] = useQuery({
    query: BankDetailsQuery,
    variables: { id: bankId },
    requestPolicy: 'cache-and-network',
  });
  const refetch = useCallback(() => reexecute({ requestPolicy: 'network-only' }), [reexecute]);
  useResyncOnReconnect(refetch);
  const liveness = useLiveness();
  const now = useNow(15_000);
  useEffect(() => {
    if (!liveness.live) return;
    const timer = setInterval(refetch, CONTROLLER_REFRESH_MS);
    return () => clearInterval(timer);
  }, [liveness.live, refetch]);

  const bank = result.data?.lockerBank;
  const stale = !liveness.live;

  if (bank === undefined) {
    return (
      <div className={styles.page}>
        <ConnectionBanner hasData={false} />
        {result.error ? (
          <div className="panel" role="alert">
            <p>{errorMessage(result.error)}</p>
            <button type="button" className="button" onClick={refetch}>
              Try again
            </button>
          </div>
        ) : (
          <p className="page-message" role="status">
            Loading the bank…
          </p>
        )}
      </div>
    );
  }
  if (bank === null) {
    return (
      <div className={styles.page}>
        <h1 className={styles.title}>Bank not found</h1>
        <p className="panel" role="alert" data-testid="bank-not-found">
          There is no such bank, or it is not one you may see.{' '}
          <AppLink href={NAV.lockers.href}>Back to the lockers</AppLink>
        </p>
      </div>
    );
  }

  return (
    <div className={styles.page} data-testid="bank-page" data-bank={bank.name}>
      <ConnectionBanner />
      <p className={styles.back}>
        <AppLink href={NAV.lockers.href}>← All lockers</AppLink>
      </p>
      <header className={styles.header}>
        <div>
          <h1 className={styles.title}>{bank.name}</h1>
          <p className={styles.muted}>
            {[bank.site.name, bank.location, bank.department ? `${bank.department} department` : null]
              .filter(Boolean)
              .join(' · ')}
          </p>
        </div>
        <BankStatusBadge status={bank.status} stale={stale} staleAsOf={liveness.asOf} />
      </header>
      <dl className={styles.summary}>
        <div className={styles.fact}>
          <dt>Last heard from</dt>
          <dd data-testid="last-seen">
            {bank.lastSeenAt ? (
              stale ? (
                <time dateTime={bank.lastSeenAt}>{formatAsOf(bank.lastSeenAt, now)}</time>
              ) : (
                <time dateTime={bank.lastSeenAt} title={formatAsOf(bank.lastSeenAt, now)}>
                  {relativeTime(bank.lastSeenAt, now)}
                </time>
              )
            ) : (
              'never'
            )}
          </dd>
        </div>
        <div className={styles.fact}>
          <dt>Events stored</dt>
          <dd data-testid="bank-accepted-seq">
            {bank.acceptedThroughSeq > 0 ? `through #${bank.acceptedThroughSeq}` : 'none yet'}
          </dd>
        </div>
        <div className={styles.fact}>
          <dt>Compartments</dt>
          <dd>
            {bank.counts.total} ({bank.counts.available} available, {bank.counts.open} open)
          </dd>
        </div>
      </dl>

      <ControllerPanel controller={bank.controller ?? null} bankStatus={bank.status} stale={stale} now={now} />
      <EventLog bankId={bank.id} />
    </div>
  );
}
