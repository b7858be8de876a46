'use client';

import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import { Provider, useClient } from 'urql';
import type { DoorState, Role } from '@/gql/graphql';
import { IntakeForm } from '@/features/intake/IntakeForm';
import { normaliseCode } from '@/features/sign-in/messages';
import { useEmailCodeSignIn } from '@/features/sign-in/useEmailCodeSignIn';
import { useCountdown, useCountdownMilestone } from '@/hooks/useCountdown';
import { SignOutMutation } from '@/lib/documents';
import { createAnonymousClient, createMemoryClient, createOneShotClient, type MemoryClient } from '@/lib/urql';
import styles from './kiosk.module.css';

/** A courier on the kiosk is signed out after this long without a touch or key. */
export const COURIER_IDLE_MS = 60_000;
/** The last seconds before that are counted down on screen. */
const WARN_MS = 15_000;

const MAY_DROP_OFF: readonly Role[] = ['COURIER', 'MAILROOM', 'ADMIN'];

interface CourierSession {
  token: string;
  name: string;
  /** A courier finds recipients only by exactly what the label shows; mailroom staff search. */
  courier: boolean;
  client: MemoryClient;
}

interface Props {
  bankId: string;
  bankName: string;
  doorFor: (label: string) => DoorState | undefined;
  /** Back to the keypad (after sign-out). */
  onExit: (message?: string) => void;
}

/**
 * Courier drop-off on the kiosk: e-mail + one-time code, a session held only
 * in memory (never stored), intake fixed to this bank, and sign-out after a
 * minute of inactivity or "Done" (the token is revoked on the server).
 */
export function CourierDropoff({ bankId, bankName, doorFor, onExit }: Props) {
  const anonymous = useMemo(() => createAnonymousClient(), []);
  const [session, setSession] = useState<CourierSession | null>(null);
  const sessionRef = useRef<CourierSession | null>(null);
  useEffect(() => {
    sessionRef.current = session;
  }, [session]);

  const endSession = useCallback(
    (message?: string) => {
      const current = sessionRef.current;
      sessionRef.current = null;
      if (current) {
        current.client.dispose();
        // Revoke the token; the kiosk never keeps it anyway.
        void createOneShotClient(current.token).mutation(SignOutMutation, {}).toPromise();
      }
      setSession(null);
      onExit(message);
    },
    [onExit],
  );

  // Leaving the screen any other way (unmount) still revokes the session.
  useEffect(
    () => () => {
      const current = sessionRef.current;
      if (current) {
        current.client.dispose();
        void createOneShotClient(current.token).mutation(SignOutMutation, {}).toPromise();
      }
    },
    [],
  );

  // Inactivity: every touch or key pushes the sign-out a minute further.
  const [idleAt, setIdleAt] = useState(() => Date.now() + COURIER_IDLE_MS);
  const onActivity = useCallback(() => setIdleAt(Date.now() + COURIER_IDLE_MS), []);
  useEffect(() => {
    window.addEventListener('pointerdown', onActivity);
    window.addEventListener('keydown', onActivity);
    return () => {
      window.removeEventListener('pointerdown', onActivity);
      window.removeEventListener('keydown', onActivity);
    };
  }, [onActivity]);
  useEffect(() => {
    const timer = setTimeout(
      () => endSession(sessionRef.current ? 'Signed out after a minute without activity.' : undefined),
      Math.max(0, idleAt - Date.now()),
    );
    return () => clearTimeout(timer);
  }, [idleAt, endSession]);

  return (
    <section className={styles.courier} aria-labelledby="courier-title" data-testid="kiosk-courier">
      <div className={styles.courierHead}>
        <h2 id="courier-title">Courier drop-off · {bankName}</h2>
        <button
          type="button"
          className={`button ${session ? '' : 'button-secondary'} ${styles.big}`}
          onClick={() => endSession(session ? 'Signed out. Thank you.' : undefined)}
          data-testid="kiosk-courier-done"
        >
          {session ? 'Done — sign out' : 'Cancel'}
        </button>
      </div>
      <IdleWarning idleAt={idleAt} signedIn={session !== null} />
      {session ? (
        <Provider value={session.client.client}>
          <p className={styles.signedIn} data-testid="kiosk-courier-person">
            Signed in as <strong>{session.name}</strong> on this kiosk only.
          </p>
          <IntakeForm
            bankId={bankId}
            doorFor={doorFor}
            onActivity={onActivity}
            exactRecipientMatch={session.courier}
            forbiddenText={`You are not allowed to drop off at ${bankName}. Ask the mailroom to add this bank to your account.`}
          />
        </Provider>
      ) : (
        <Provider value={anonymous}>
          <CourierSignIn
            onActivity={onActivity}
            onSignedIn={(token, name, role) =>
              setSession({
                token,
                name,
                courier: role === 'COURIER',
                client: createMemoryClient(token, { socket: false }),
              })
            }
          />
        </Provider>
      )}
    </section>
  );
}

function IdleWarning({ idleAt, signedIn }: { idleAt: number; signedIn: boolean }) {
  const secondsLeft = useCountdown(idleAt);
  const warning = secondsLeft * 1000 <= WARN_MS;
  // Read out when the warning appears and with 10 s left, not every second.
  const milestone = useCountdownMilestone(secondsLeft, warning);
  const going = signedIn ? 'signing out' : 'going back';
  return (
    <>
      <p className="visually-hidden" role="status">
        {milestone.milestone === 'start' || milestone.milestone === 'last-seconds'
          ? `No activity: ${going} in ${milestone.seconds} seconds. Touch the screen to stay.`
          : ''}
      </p>
      {warning && (
        <p className={styles.warn} data-testid="kiosk-courier-idle">
          No activity: {going} in {secondsLeft} s. Touch the screen to stay.
        </p>
      )}
    </>
  );
}

function CourierSignIn({
  onSignedIn,
  onActivity,
}: {
  onSignedIn: (token: string, name: string, role: Role) => void;
  onActivity: () => void;
}) {
  const id = useId();
  const { step, email, setEmail, code, setCode, busy, error, setError, codeRef, requestCode, signIn, backToEmail } =
    useEmailCodeSignIn({
      client: useClient(),
      emptyEmailMessage: 'Enter your e-mail address.',
      onActivity,
      accept: ({ token, person }) => {
        if (!MAY_DROP_OFF.includes(person.role)) {
          void createOneShotClient(token).mutation(SignOutMutation, {}).toPromise();
          return 'This account cannot drop off parcels. Couriers and mailroom staff only.';
        }
        onSignedIn(token, person.name, person.role);
        return null;
      },
    });

  return step === 'email' ? (
    <form className={styles.courierForm} onSubmit={(e) => void requestCode(e)} noValidate>
      <div className="field">
        <label htmlFor={`${id}-email`}>Your courier e-mail</label>
        <input
          id={`${id}-email`}
          type="email"
          inputMode="email"
          autoComplete="off"
          autoFocus
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          data-testid="kiosk-courier-email"
        />
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" className={`button ${styles.big}`} disabled={busy} data-testid="kiosk-courier-send">
        {busy ? 'Sending…' : 'Send me a code'}
      </button>
    </form>
  ) : (
    <>
      <form className={styles.courierForm} onSubmit={(e) => void signIn(e)} noValidate>
        <p>A 6-digit code is on its way to {email} (if it has a courier account).</p>
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
            data-testid="kiosk-courier-code"
          />
        </div>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className={`button ${styles.big}`} disabled={busy} data-testid="kiosk-courier-signin">
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <button
          type="button"
          className="button-link"
          onClick={() => {
            backToEmail();
            setError(null);
          }}
        >
          Use a different e-mail
        </button>
      </form>
    </>
  );
}
