'use client';

import { useId, useMemo, useState, type FormEvent } from 'react';
import { Provider, useClient } from 'urql';
import { normaliseCode } from '@/features/sign-in/messages';
import { useEmailCodeSignIn } from '@/features/sign-in/useEmailCodeSignIn';
import { SignOutMutation } from '@/lib/documents';
import { createAnonymousClient, createOneShotClient } from '@/lib/urql';
import { cleanToken, type KioskCredential } from './credential';
import { tokenMatches } from './forget';
import styles from './kiosk.module.css';

interface Props {
  credential: KioskCredential;
  onForget: () => void;
  onCancel: () => void;
}

/**
 * `/kiosk?manage=1`: anyone can stand at a locker, so forgetting the screen's
 * credential needs proof of authority: the current kiosk token typed again, or
 * an administrator's sign-in (e-mail + one-time code, revoked at once: the
 * kiosk never keeps a person's session).
 */
export function ForgetCredential({ credential, onForget, onCancel }: Props) {
  const id = useId();
  const [token, setToken] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [admin, setAdmin] = useState(false);
  const anonymous = useMemo(() => createAnonymousClient(), []);

  const submitToken = (event: FormEvent) => {
    event.preventDefault();
    const value = cleanToken(token);
    if (!value) {
      setProblem('Type or paste this screen’s kiosk token first.');
      return;
    }
    if (!tokenMatches(value, credential.token)) {
      setProblem('That is not this screen’s kiosk token. Check it with an administrator, or sign in as one below.');
      setToken('');
      return;
    }
    onForget();
  };

  return (
    <section className={styles.pairing} aria-labelledby={`${id}-title`} data-testid="kiosk-forget">
      <h1 id={`${id}-title`}>Forget this screen’s credential?</h1>
      <p>
        The screen stops working as the kiosk of <strong>{credential.bankName}</strong> until someone pairs it again. To
        make sure you may do this, type the kiosk token again, or sign in as an administrator.
      </p>
      <form className={styles.pairForm} onSubmit={submitToken} noValidate>
        <div className="field">
          <label htmlFor={`${id}-token`}>Current kiosk token</label>
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
            data-testid="kiosk-unpair-token"
          />
        </div>
        {problem && (
          <p id={`${id}-problem`} className="error" role="alert" data-testid="kiosk-unpair-error">
            {problem}
          </p>
        )}
        <div className={styles.forgetActions}>
          <button type="submit" className={`button button-danger ${styles.big}`} data-testid="kiosk-unpair-confirm">
            Forget the credential
          </button>
          <button
            type="button"
            className={`button button-secondary ${styles.big}`}
            onClick={onCancel}
            data-testid="kiosk-unpair-cancel"
          >
            Keep it
          </button>
        </div>
      </form>

      {admin ? (
        <Provider value={anonymous}>
          <AdminSignIn onConfirmed={onForget} />
        </Provider>
      ) : (
        <button type="button" className="button-link" onClick={() => setAdmin(true)} data-testid="kiosk-unpair-admin">
          No token at hand? Sign in as an administrator instead
        </button>
      )}
    </section>
  );
}

/** E-mail → code → signIn; an ADMIN confirms, and the session is revoked straight away either way. */
function AdminSignIn({ onConfirmed }: { onConfirmed: () => void }) {
  const id = useId();
  const { step, email, setEmail, code, setCode, busy, error, codeRef, requestCode, signIn } = useEmailCodeSignIn({
    client: useClient(),
    emptyEmailMessage: 'Enter the administrator’s e-mail address.',
    accept: ({ token, person }) => {
      // The kiosk never keeps a person's session: revoke it whatever the role.
      void createOneShotClient(token).mutation(SignOutMutation, {}).toPromise();
      if (person.role !== 'ADMIN') return 'Only an administrator can forget this screen’s credential.';
      onConfirmed();
      return null;
    },
  });

  return (
    <div className={styles.pairForm} data-testid="kiosk-unpair-admin-panel">
      <h2 className={styles.forgetHeading}>Administrator sign-in</h2>
      {step === 'email' ? (
        <form className={styles.pairForm} onSubmit={(e) => void requestCode(e)} noValidate>
          <div className="field">
            <label htmlFor={`${id}-email`}>Administrator e-mail</label>
            <input
              id={`${id}-email`}
              type="email"
              inputMode="email"
              autoComplete="off"
              autoFocus
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              data-testid="kiosk-unpair-admin-email"
            />
          </div>
          {error && (
            <p className="error" role="alert">
              {error}
            </p>
          )}
          <button
            type="submit"
            className={`button ${styles.big}`}
            disabled={busy}
            data-testid="kiosk-unpair-admin-send"
          >
            {busy ? 'Sending…' : 'Send a code'}
          </button>
        </form>
      ) : (
        <>
          <form className={styles.pairForm} onSubmit={(e) => void signIn(e)} noValidate>
            <p>A 6-digit code is on its way to {email} (if it has an account).</p>
            <div className="field">
              <label htmlFor={`${id}-code`}>Code</label>
              <input
                ref={codeRef}
                id={`${id}-code`}
                type="text"
                inputMode="numeric"
                autoComplete="one-time-code"
                maxLength={6}
                className="code-input"
                value={code}
                onChange={(e) => setCode(normaliseCode(e.target.value))}
                data-testid="kiosk-unpair-admin-code"
              />
            </div>
            {error && (
              <p className="error" role="alert">
                {error}
              </p>
            )}
            <button
              type="submit"
              className={`button button-danger ${styles.big}`}
              disabled={busy}
              data-testid="kiosk-unpair-admin-signin"
            >
              {busy ? 'Checking…' : 'Sign in and forget the credential'}
            </button>
          </form>
        </>
      )}
    </div>
  );
}
