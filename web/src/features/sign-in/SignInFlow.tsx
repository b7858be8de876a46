'use client';

import { useSearchParams } from 'next/navigation';
import { useEffect, useState } from 'react';
import { useSession } from '@/components/SessionProvider';
import { useGoHome } from '@/hooks/useGoHome';
import { useOnline } from '@/lib/use-online';
import type { Session } from '@/lib/session';
import { CodeStep } from './CodeStep';
import { EmailStep } from './EmailStep';

type Step = { kind: 'email' } | { kind: 'code'; email: string; expiresAt: string };

/** E-mail → one-time code → signed in. A signed-in visitor goes straight to their role's start page. */
export function SignInFlow() {
  const goHome = useGoHome();
  const params = useSearchParams();
  const online = useOnline();
  const { status, session, signIn } = useSession();
  const [step, setStep] = useState<Step>({ kind: 'email' });
  const [lastEmail, setLastEmail] = useState('');

  const role = status === 'signed-in' ? session?.person.role : undefined;
  useEffect(() => {
    if (role) goHome(role);
  }, [role, goHome]);

  const onSignedIn = async (signedIn: Session) => {
    await signIn(signedIn);
    goHome(signedIn.person.role);
  };

  return (
    <div className="sign-in">
      <h1>Sign in</h1>
      {params.get('expired') === '1' && step.kind === 'email' && (
        <p className="hint" role="status">
          Your session has ended. Sign in again to see the lockers.
        </p>
      )}
      {!online && (
        <p className="error" role="status">
          You are offline. Signing in needs a connection.
        </p>
      )}
      {step.kind === 'email' ? (
        <EmailStep
          initialEmail={lastEmail}
          onCodeSent={(email, expiresAt) => {
            setLastEmail(email);
            setStep({ kind: 'code', email, expiresAt });
          }}
        />
      ) : (
        <CodeStep
          key={step.email}
          email={step.email}
          expiresAt={step.expiresAt}
          onSignedIn={onSignedIn}
          onChangeEmail={() => setStep({ kind: 'email' })}
          onResent={(expiresAt) => setStep({ ...step, expiresAt })}
        />
      )}
    </div>
  );
}
