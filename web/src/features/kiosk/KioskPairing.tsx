'use client';

import Link from 'next/link';
import { useId, useState, type FormEvent } from 'react';
import { errorCode } from '@/lib/errors';
import { createOneShotClient } from '@/lib/urql';
import { cleanToken, type KioskCredential } from './credential';
import { KioskSessionQuery } from './documents';
import styles from './kiosk.module.css';

type Problem = { text: string; otherBank?: { id: string; name: string } };

/** Checks a pasted kiosk token with `kioskSession`: it must be a kiosk credential, for this bank when one is expected. */
export async function verifyKioskToken(
  token: string,
  expectedBankId: string | null,
): Promise<{ ok: true; credential: KioskCredential } | { ok: false; problem: Problem }> {
  const result = await createOneShotClient(token).query(KioskSessionQuery, {}).toPromise();
  if (result.error) {
    const code = errorCode(result.error);
    return {
      ok: false,
      problem: {
        text:
          code === 'NETWORK'
            ? 'Cannot reach the Baylight server. Check this screen’s network, then try again.'
            : code === 'UNAUTHENTICATED'
              ? 'This token is not valid: it may be mistyped or revoked. Ask an administrator for a new kiosk credential.'
              : 'The server did not accept this token. Ask an administrator for a new kiosk credential.',
      },
    };
  }
  const session = result.data?.kioskSession;
  if (!session) {
    return {
      ok: false,
      problem: {
        text: 'This is not a valid kiosk credential: it may be mistyped or revoked (a person’s or a locker controller’s token does not work here either).',
      },
    };
  }
  if (expectedBankId && session.bank.id !== expectedBankId) {
    return {
      ok: false,
      problem: {
        text: `This credential belongs to ${session.bank.name}, not to the bank of this address.`,
        otherBank: { id: session.bank.id, name: session.bank.name },
      },
    };
  }
  return {
    ok: true,
    credential: { token, kioskId: session.kioskId, bankId: session.bank.id, bankName: session.bank.name },
  };
}

interface Props {
  /** The bank in the URL; null on /kiosk, where any kiosk credential is accepted. */
  expectedBankId: string | null;
  /** Why pairing is shown again (credential revoked, paired with another bank, forgotten on purpose). */
  notice?: string | null;
  /** `info` for a notice that reports what was asked for (the credential was forgotten), not a problem. */
  noticeTone?: 'error' | 'info';
  onPaired: (credential: KioskCredential) => void;
}

/** First start of a kiosk: an administrator pastes the kiosk token made with createKioskCredential. */
export function KioskPairing({ expectedBankId, notice, noticeTone = 'error', onPaired }: Props) {
  const id = useId();
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const value = cleanToken(token);
    if (!value) {
      setProblem({ text: 'Paste the kiosk token first.' });
      return;
    }
    setBusy(true);
    setProblem(null);
    try {
      const outcome = await verifyKioskToken(value, expectedBankId);
      if (outcome.ok) onPaired(outcome.credential);
      else setProblem(outcome.problem);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className={styles.pairing}>
      <h1>Pair this screen</h1>
      {notice &&
        (noticeTone === 'info' ? (
          <p className="panel" role="status" data-testid="kiosk-pair-notice">
            {notice}
          </p>
        ) : (
          <p className="error" role="alert" data-testid="kiosk-pair-notice">
            {notice}
          </p>
        ))}
      <p>
        An administrator creates a kiosk credential for this bank (<code>createKioskCredential</code>) and pastes its
        token here once. It is stored on this screen only, separately from anyone’s sign-in.
      </p>
      <form className={styles.pairForm} onSubmit={(e) => void submit(e)} noValidate>
        <div className="field">
          <label htmlFor={`${id}-token`}>Kiosk token</label>
          <input
            id={`${id}-token`}
            type="password"
            autoComplete="off"
            spellCheck={false}
            autoFocus
            value={token}
            onChange={(e) => setToken(e.target.value)}
            aria-invalid={problem ? true : undefined}
            aria-describedby={problem ? `${id}-problem` : undefined}
            data-testid="kiosk-pair-token"
          />
        </div>
        {problem && (
          <div id={`${id}-problem`} className="error" role="alert" data-testid="kiosk-pair-error">
            <p>{problem.text}</p>
            {problem.otherBank && (
              <p>
                <Link href={`/kiosk/${encodeURIComponent(problem.otherBank.id)}`}>
                  Open the kiosk for {problem.otherBank.name}
                </Link>{' '}
                instead, or paste the token made for this bank.
              </p>
            )}
          </div>
        )}
        <button type="submit" className={`button ${styles.big}`} disabled={busy} data-testid="kiosk-pair-submit">
          {busy ? 'Checking…' : 'Pair'}
        </button>
      </form>
    </div>
  );
}
