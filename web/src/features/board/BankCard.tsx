import { useMemo } from 'react';
import { AppLink } from '@/components/AppLink';
import type { LockerBoardQuery } from '@/gql/graphql';
import type { Liveness } from '@/lib/live-status';
import { bankHref } from '@/lib/roles';
import { BankCounts } from './BankCounts';
import { BankStatusBadge } from './BankStatusBadge';
import { CompartmentGrid } from './CompartmentGrid';
import { countCompartments, formatAsOf, relativeTime } from './describe';
import styles from './board.module.css';

export type Bank = LockerBoardQuery['sites'][number]['banks'][number];

interface Props {
  bank: Bank;
  now: number;
  staff?: boolean;
  /** Whether the board is live; when not, the status is what was last known and "last seen" a time, not "just now". */
  liveness?: Liveness;
  /** Link to the bank's page (controller and event log), for those who may read it. */
  details?: boolean;
}

export function BankCard({ bank, now, staff = false, liveness = { live: true, asOf: null }, details = false }: Props) {
  const counts = useMemo(() => countCompartments(bank.compartments), [bank.compartments]);
  const headingId = `bank-${bank.id}-name`;
  const stale = !liveness.live;
  return (
    <article
      className={styles.bank}
      data-testid={`bank-${bank.name}`}
      data-status={bank.status}
      data-stale={stale || undefined}
      aria-labelledby={headingId}
    >
      <header className={styles.bankHeader}>
        <h3 id={headingId} className={styles.bankName}>
          {bank.name}
        </h3>
        <BankStatusBadge status={bank.status} stale={stale} staleAsOf={liveness.asOf} />
      </header>
      {bank.location && <p className={styles.bankLocation}>{bank.location}</p>}
      <p className={styles.lastSeen} data-testid="last-seen">
        Last seen{' '}
        {!bank.lastSeenAt ? (
          'never'
        ) : stale ? (
          // "just now" would be measured from a clock the data no longer keeps up with.
          <>
            at <time dateTime={bank.lastSeenAt}>{formatAsOf(bank.lastSeenAt, now)}</time>
          </>
        ) : (
          <time dateTime={bank.lastSeenAt} title={formatAsOf(bank.lastSeenAt, now)}>
            {relativeTime(bank.lastSeenAt, now)}
          </time>
        )}
      </p>
      {details && (
        <p className={styles.bankHeaderLinks}>
          <AppLink href={bankHref(bank.id)} data-testid={`details-link-${bank.name}`}>
            Controller and event log<span className="visually-hidden"> of {bank.name}</span>
          </AppLink>
        </p>
      )}
      <BankCounts counts={counts} />
      <CompartmentGrid bankName={bank.name} compartments={bank.compartments} staff={staff} />
    </article>
  );
}
