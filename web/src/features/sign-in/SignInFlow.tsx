'use client';

import { useRouter, useSearchParams } from 'next/navigation';
import { useEffect, useState } from 'react';
import { useSession } from '@/components/SessionProvider';
import { useOnline } from '@/lib/use-online';
import type { Session } from '@/lib/session';
import { CodeStep } from './CodeStep';
import { EmailStep } from './EmailStep';

type Step = { kind: 'email' } | { kind: 'code'; email: string; expiresAt: string };

/** E-mail → one-time code → signed in. A signed-in visitor goes straight to the board. */
export function SignInFlow() {
  const router = useRouter();
  const params = useSearchParams();
  const online = useOnline();
  const { status, signIn } = useSession();
  const [step, setStep] = useState<Step>({ kind: 'email' });
  const [lastEmail, setLastEmail] = useState('');

  useEffect(() => {
    if (status === 'signed-in') router.replace('/');
  }, [status, router]);

  const onSignedIn = async (session: Session) => {
    await signIn(session);
    router.replace('/');
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
