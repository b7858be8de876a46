'use client';

import { useEffect, useState } from 'react';
import { useQuery, useSubscription } from 'urql';
import { ConnectionBanner } from '@/components/ConnectionBanner';
import { useSession } from '@/components/SessionProvider';
import { BankStatusBadge } from '@/features/board/BankStatusBadge';
import { BankCompartmentUpdatedSubscription, DropoffBanksQuery } from '@/features/intake/documents';
import { IntakeForm } from '@/features/intake/IntakeForm';
import { errorMessage } from '@/lib/errors';
import styles from '@/features/intake/intake.module.css';
import page from '@/features/desk/desk.module.css';

function lastBankKey(personId: string): string {
  return `baylight.dropoffBank.${personId}`;
}

/**
 * A courier on their own phone: choose the bank you are standing at, then the
 * same intake as the desk. The server only accepts the courier's allowed banks
 * and answers FORBIDDEN for others, which is said plainly.
 */
export function CourierDropoffPage() {
  const { session } = useSession();
  const personId = session?.person.id ?? '';
  const [banks] = useQuery({ query: DropoffBanksQuery, requestPolicy: 'cache-and-network' });
  const [bankId, setBankId] = useState<string | null>(null);

  // Remember the last bank on this phone: couriers do the same round every day.
  useEffect(() => {
    try {
      setBankId(localStorage.getItem(lastBankKey(personId)));
    } catch {
      setBankId(null);
    }
  }, [personId]);
  const choose = (id: string) => {
    setBankId(id);
    try {
      localStorage.setItem(lastBankKey(personId), id);
    } catch {
      // Not remembered then.
    }
  };

  const list = banks.data?.lockerBanks ?? [];
  const chosen = list.find((b) => b.id === bankId) ?? null;
  // Live door states of the chosen bank, for the deposit progress.
  useSubscription({ query: BankCompartmentUpdatedSubscription, variables: { bankId }, pause: !chosen });

  const bankField = (
    <fieldset className={styles.bankChoice}>
      <legend>Which locker bank are you at?</legend>
      {banks.error && !banks.data ? (
        <p className="error" role="alert">
          {errorMessage(banks.error)}
        </p>
      ) : list.length === 0 ? (
        <p className="hint">{banks.fetching ? 'Loading banks…' : 'No locker banks available.'}</p>
      ) : (
        <div className={styles.bankOptions}>
          {list.map((b) => (
            <label key={b.id} className={styles.bankOption} data-checked={b.id === bankId || undefined} data-testid={`dropoff-bank-${b.name}`}>
              <input type="radio" name="dropoff-bank" checked={b.id === bankId} onChange={() => choose(b.id)} />
              <span>
                <strong>{b.name}</strong> <BankStatusBadge status={b.status} />
                <span className={styles.bankMeta}>
                  {b.site.name}
                  {b.location ? ` · ${b.location}` : ''}
                </span>
              </span>
            </label>
          ))}
        </div>
      )}
    </fieldset>
  );

  return (
    <div className={page.page}>
      <ConnectionBanner />
      <h1 className={page.title}>Drop-off</h1>
      <p className="hint">
        Choose the bank, scan the parcel, pick the recipient. The door opens for you; close it after putting the parcel in.
      </p>
      <IntakeForm
        bankId={chosen ? chosen.id : null}
        requireBank
        bankField={bankField}
        forbiddenText={`You are not allowed to drop off at ${chosen?.name ?? 'this bank'}. Choose another of your banks, or ask the mailroom to add this one to your account.`}
      />
    </div>
  );
}
