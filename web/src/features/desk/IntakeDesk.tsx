'use client';

import { useState } from 'react';
import { useSubscription } from 'urql';
import { ConnectionBanner } from '@/components/ConnectionBanner';
import { LiveSubscriptions } from '@/features/board/LiveSubscriptions';
import { IntakeForm } from '@/features/intake/IntakeForm';
import { ParcelUpdatedSubscription } from '@/features/parcels/documents';
import { BankPicker } from './BankPicker';
import { TodayIntakes } from './TodayIntakes';
import styles from './desk.module.css';

/** The mailroom's intake desk: many parcels in a row from the keyboard, live door states and today's list. */
export function IntakeDesk() {
  const [tryFirst, setTryFirst] = useState<string | null>(null);
  // Live: door states (board data) and parcel changes (deposits, today's list).
  useSubscription({ query: ParcelUpdatedSubscription });
  return (
    <div className={styles.page}>
      <LiveSubscriptions />
      <ConnectionBanner />
      <h1 className={styles.title}>Intake desk</h1>
      <div className={styles.columns}>
        <IntakeForm bankId={tryFirst} />
        <BankPicker value={tryFirst} onChange={setTryFirst} />
      </div>
      <TodayIntakes />
    </div>
  );
}
