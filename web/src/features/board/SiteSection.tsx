import { useMemo, type CSSProperties } from 'react';
import type { LockerBoardQuery } from '@/gql/graphql';
import type { Liveness } from '@/lib/live-status';
import { BankCard } from './BankCard';
import { physicalLayout } from './layout';
import styles from './board.module.css';

type Site = LockerBoardQuery['sites'][number];

export function SiteSection({
  site,
  now,
  staff = false,
  liveness,
  details = false,
}: {
  site: Site;
  now: number;
  staff?: boolean;
  liveness?: Liveness;
  details?: boolean;
}) {
  const headingId = `site-${site.id}-name`;
  // Banks drawn as they stand want room for all their columns side by side (see board.module.css .banks).
  const columns = useMemo(
    () => Math.max(0, ...site.banks.map((bank) => physicalLayout(bank.compartments)?.columns.length ?? 0)),
    [site.banks],
  );
  return (
    <section className={styles.site} aria-labelledby={headingId} data-testid={`site-${site.name}`}>
      <h2 id={headingId} className={styles.siteName}>
        {site.name}
      </h2>
      {site.banks.length === 0 ? (
        <p className={styles.muted}>No locker banks at this site yet.</p>
      ) : (
        <div
          className={styles.banks}
          style={columns > 0 ? ({ '--physical-columns': columns } as CSSProperties) : undefined}
        >
          {site.banks.map((bank) => (
            <BankCard key={bank.id} bank={bank} now={now} staff={staff} liveness={liveness} details={details} />
          ))}
        </div>
      )}
    </section>
  );
}
