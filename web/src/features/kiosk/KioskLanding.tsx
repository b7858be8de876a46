'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';
import { clearKioskCredential, readKioskCredential, saveKioskCredential, type KioskCredential } from './credential';
import { ForgetCredential } from './ForgetCredential';
import { KioskPairing } from './KioskPairing';
import styles from './kiosk.module.css';

/** `/kiosk`: the precached entry for a locker screen. A paired screen goes on to its bank; otherwise pair it. */
export function KioskLanding() {
  const router = useRouter();
  const [credential, setCredential] = useState<KioskCredential | null | undefined>(undefined);
  // `/kiosk?manage=1` stays here so staff can forget the credential (after proving they may).
  const [manage, setManage] = useState(false);
  const [forgetting, setForgetting] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  useEffect(() => {
    setManage(new URLSearchParams(window.location.search).get('manage') === '1');
    setCredential(readKioskCredential());
  }, []);
  useEffect(() => {
    if (credential && !manage) router.replace(`/kiosk/${encodeURIComponent(credential.bankId)}`);
  }, [credential, manage, router]);

  if (credential === undefined) return null;
  if (credential && forgetting) {
    return (
      <ForgetCredential
        credential={credential}
        onCancel={() => setForgetting(false)}
        onForget={() => {
          clearKioskCredential();
          setForgetting(false);
          setCredential(null);
          setNotice(
            `This screen no longer holds the credential for ${credential.bankName}. The credential itself still works until an administrator replaces it: pair this screen again, or another one, with its token.`,
          );
        }}
      />
    );
  }
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
          onClick={() => setForgetting(true)}
          data-testid="kiosk-unpair"
        >
          Forget this screen’s credential…
        </button>
        <p className="hint">You will be asked for the kiosk token, or an administrator’s sign-in.</p>
      </div>
    );
  }
  return (
    <KioskPairing
      expectedBankId={null}
      notice={notice}
      noticeTone="info"
      onPaired={(c) => {
        saveKioskCredential(c);
        setNotice(null);
        setCredential(c);
      }}
    />
  );
}
