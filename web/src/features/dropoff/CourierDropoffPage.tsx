'use client';

import { useEffect, useMemo, useState } from 'react';
import { useQuery, useSubscription } from 'urql';
import { ConnectionBanner } from '@/components/ConnectionBanner';
import { useSession } from '@/components/SessionProvider';
import { BankStatusBadge } from '@/features/board/BankStatusBadge';
import { BankCompartmentUpdatedSubscription, CourierBanksQuery, DropoffBanksQuery } from '@/features/intake/documents';
import { IntakeForm } from '@/features/intake/IntakeForm';
import { errorMessage } from '@/lib/errors';
import styles from '@/features/intake/intake.module.css';
import page from '@/features/desk/desk.module.css';

function lastBankKey(personId: string): string {
  return `baylight.dropoffBank.${personId}`;
}

/**
 * A courier on their own phone: choose the bank you are standing at, then the
 * same intake as the desk. A courier is offered only their own banks
 * (`me.courierBanks`, set by an admin); mailroom staff and admins, who may
 * take parcels in anywhere, get every bank. The server checks again and
 * answers FORBIDDEN for any other bank, which is said plainly.
 */
export function CourierDropoffPage() {
  const { session } = useSession();
  const personId = session?.person.id ?? '';
  const courier = session?.person.role === 'COURIER';
  const [own] = useQuery({ query: CourierBanksQuery, requestPolicy: 'cache-and-network', pause: !courier });
  const [all] = useQuery({ query: DropoffBanksQuery, requestPolicy: 'cache-and-network', pause: courier });
  const banks = courier ? own : all;
  const banksData = courier ? own.data?.me?.courierBanks : all.data?.lockerBanks;
  const list = useMemo(() => [...(banksData ?? [])].sort((a, b) => a.name.localeCompare(b.name)), [banksData]);
  const loaded = courier ? own.data?.me != null : all.data != null;
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

  // A bank that is no longer the courier's is not chosen, even if it was last time.
  const chosen = list.find((b) => b.id === bankId) ?? (list.length === 1 ? list[0]! : null);
  // Live door states of the chosen bank, for the deposit progress.
  useSubscription({ query: BankCompartmentUpdatedSubscription, variables: { bankId: chosen?.id }, pause: !chosen });

  const noBanks = courier && loaded && list.length === 0;

  const bankField = (
    <fieldset className={styles.bankChoice}>
      <legend>{courier ? 'Which of your locker banks are you at?' : 'Which locker bank are you at?'}</legend>
      {banks.error && !loaded ? (
        <p className="error" role="alert">
          {errorMessage(banks.error)}
        </p>
      ) : list.length === 0 ? (
        <p className="hint">{banks.fetching || !loaded ? 'Loading banks…' : 'No locker banks available.'}</p>
      ) : (
        <div className={styles.bankOptions}>
          {list.map((b) => (
            <label
              key={b.id}
              className={styles.bankOption}
              data-checked={b.id === chosen?.id || undefined}
              data-testid={`dropoff-bank-${b.name}`}
            >
              <input type="radio" name="dropoff-bank" checked={b.id === chosen?.id} onChange={() => choose(b.id)} />
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
      {noBanks ? (
        <div className="panel" role="status" data-testid="dropoff-no-banks">
          <p>
            <strong>Your account has no locker banks to drop off at yet.</strong>
          </p>
          <p>
            An administrator chooses which banks each courier may use. Ask the mailroom to add the banks on your round;
            until then, hand parcels in at the mailroom desk.
          </p>
        </div>
      ) : (
        <>
          <p className="hint">
            {courier
              ? 'Choose the bank you are at (only the banks your account may use are listed), scan the parcel, pick the recipient. The door opens for you; close it after putting the parcel in.'
              : 'Choose the bank, scan the parcel, pick the recipient. The door opens for you; close it after putting the parcel in.'}
          </p>
          <IntakeForm
            bankId={chosen ? chosen.id : null}
            requireBank
            exactRecipientMatch={courier}
            bankField={bankField}
            // Offered banks are the courier's own (the server lists only those): switch to one.
            onChooseBank={choose}
            forbiddenText={`You are not allowed to drop off at ${chosen?.name ?? 'this bank'}. Choose another of your banks, or ask the mailroom to add this one to your account.`}
          />
        </>
      )}
    </div>
  );
}
