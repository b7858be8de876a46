import { useMemo } from 'react';
import type { LockerBoardQuery } from '@/gql/graphql';
import { BankCounts } from './BankCounts';
import { BankStatusBadge } from './BankStatusBadge';
import { CompartmentGrid } from './CompartmentGrid';
import { countCompartments, formatAsOf, relativeTime } from './describe';
import styles from './board.module.css';

export type Bank = LockerBoardQuery['sites'][number]['banks'][number];

export function BankCard({ bank, now, staff = false }: { bank: Bank; now: number; staff?: boolean }) {
  const counts = useMemo(() => countCompartments(bank.compartments), [bank.compartments]);
  const headingId = `bank-${bank.id}-name`;
  return (
    <article
      className={styles.bank}
      data-testid={`bank-${bank.name}`}
      data-status={bank.status}
      aria-labelledby={headingId}
    >
      <header className={styles.bankHeader}>
        <h3 id={headingId} className={styles.bankName}>
          {bank.name}
        </h3>
        <BankStatusBadge status={bank.status} />
      </header>
      {bank.location && <p className={styles.bankLocation}>{bank.location}</p>}
      <p className={styles.lastSeen}>
        Last seen{' '}
        {bank.lastSeenAt ? (
          <time dateTime={bank.lastSeenAt} title={formatAsOf(bank.lastSeenAt, now)}>
            {relativeTime(bank.lastSeenAt, now)}
          </time>
        ) : (
          'never'
        )}
      </p>
      <BankCounts counts={counts} />
      <CompartmentGrid bankName={bank.name} compartments={bank.compartments} staff={staff} />
    </article>
  );
}
