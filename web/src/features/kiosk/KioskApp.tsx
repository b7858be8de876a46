'use client';

import { useCallback, useEffect, useState } from 'react';
import { Provider } from 'urql';
import { createMemoryClient, type MemoryClient } from '@/lib/urql';
import { clearKioskCredential, readKioskCredential, saveKioskCredential, type KioskCredential } from './credential';
import { KioskPairing } from './KioskPairing';
import { KioskScreen } from './KioskScreen';

/**
 * `/kiosk/[bankId]`: pairs the screen once (kiosk token in localStorage, its
 * own key), then runs the kiosk with a client that carries the kiosk token
 * and keeps its cache in memory only.
 */
export function KioskApp({ bankId }: { bankId: string }) {
  const [credential, setCredential] = useState<KioskCredential | null | undefined>(undefined);
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(() => {
    const stored = readKioskCredential();
    if (stored && stored.bankId !== bankId) {
      setNotice(
        `This screen is paired with ${stored.bankName}. Paste the kiosk token for this bank to pair it here instead.`,
      );
      setCredential(null);
    } else {
      setCredential(stored);
    }
  }, [bankId]);

  const onInvalid = useCallback(() => {
    clearKioskCredential();
    setCredential(null);
    setNotice('The kiosk credential no longer works (it was revoked or replaced). Paste a new kiosk token.');
  }, []);

  if (credential === undefined) {
    return (
      <p className="page-message" role="status">
        Starting…
      </p>
    );
  }
  if (!credential) {
    return (
      <KioskPairing
        expectedBankId={bankId}
        notice={notice}
        onPaired={(c) => {
          saveKioskCredential(c);
          setNotice(null);
          setCredential(c);
        }}
      />
    );
  }
  return <KioskRuntime key={credential.token} credential={credential} onInvalid={onInvalid} />;
}

function KioskRuntime({ credential, onInvalid }: { credential: KioskCredential; onInvalid: () => void }) {
  const [kiosk, setKiosk] = useState<MemoryClient | null>(null);
  useEffect(() => {
    const next = createMemoryClient(credential.token, { socket: true, onUnauthenticated: onInvalid });
    setKiosk(next);
    return () => next.dispose();
  }, [credential.token, onInvalid]);
  if (!kiosk) {
    return (
      <p className="page-message" role="status">
        Connecting…
      </p>
    );
  }
  return (
    <Provider value={kiosk.client}>
      <KioskScreen bankId={credential.bankId} live={kiosk.live} onInvalid={onInvalid} />
    </Provider>
  );
}
