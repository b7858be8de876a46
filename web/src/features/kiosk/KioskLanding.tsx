'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';
import { clearKioskCredential, readKioskCredential, saveKioskCredential, type KioskCredential } from './credential';
import { KioskPairing } from './KioskPairing';
import styles from './kiosk.module.css';

/** `/kiosk`: the precached entry for a locker screen. A paired screen goes on to its bank; otherwise pair it. */
export function KioskLanding() {
  const router = useRouter();
  const [credential, setCredential] = useState<KioskCredential | null | undefined>(undefined);
  // `/kiosk?manage=1` stays here so staff can forget the credential.
  const [manage, setManage] = useState(false);
  useEffect(() => {
    setManage(new URLSearchParams(window.location.search).get('manage') === '1');
    setCredential(readKioskCredential());
  }, []);
  useEffect(() => {
    if (credential && !manage) router.replace(`/kiosk/${encodeURIComponent(credential.bankId)}`);
  }, [credential, manage, router]);

  if (credential === undefined) return null;
  if (credential) {
    return (
      <div className={styles.pairing}>
        <p role="status">
          This screen is paired with <strong>{credential.bankName}</strong>.{' '}
          <Link href={`/kiosk/${encodeURIComponent(credential.bankId)}`}>Open the kiosk</Link>
        </p>
        <button
          type="button"
          className="button button-secondary"
          onClick={() => {
            clearKioskCredential();
            setCredential(null);
          }}
          data-testid="kiosk-unpair"
        >
          Forget this screen’s credential
        </button>
      </div>
    );
  }
  return (
    <KioskPairing
      expectedBankId={null}
      onPaired={(c) => {
        saveKioskCredential(c);
        setCredential(c);
      }}
    />
  );
}
