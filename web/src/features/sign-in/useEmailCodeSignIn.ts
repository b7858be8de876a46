/**
 * The e-mail → one-time code → signIn steps, for the places that sign a
 * person in for one action without keeping a session (the kiosk's courier
 * drop-off and its administrator confirmation). The caller decides what a
 * successful sign-in may do: `accept` returns an error to show, or null.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { Client } from 'urql';
import type { Role } from '@/gql/graphql';
import { RequestSignInCodeMutation, SignInMutation } from './documents';
import { FAILURE_MESSAGE, requestErrorMessage } from './messages';

export interface SignedIn {
  token: string;
  person: { name: string; role: Role };
}

export function useEmailCodeSignIn(options: {
  client: Client;
  /** Shown when the e-mail field is empty. */
  emptyEmailMessage: string;
  /** What to do with a successful sign-in; a string refuses it with that message. */
  accept: (signedIn: SignedIn) => string | null;
  /** Called on every submit (e.g. to keep an idle timer alive). */
  onActivity?: () => void;
}) {
  const [step, setStep] = useState<'email' | 'code'>('email');
  const [email, setEmail] = useState('');
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const codeRef = useRef<HTMLInputElement>(null);

  // Move to the code field once it is on screen (not before: it renders after the step changes).
  useEffect(() => {
    if (step === 'code') codeRef.current?.focus();
  }, [step]);

  const backToEmail = () => {
    setStep('email');
    setCode('');
  };

  const requestCode = async (event: FormEvent) => {
    event.preventDefault();
    options.onActivity?.();
    const address = email.trim();
    if (!address) {
      setError(options.emptyEmailMessage);
      return;
    }
    setBusy(true);
    setError(null);
    const result = await options.client.mutation(RequestSignInCodeMutation, { email: address }).toPromise();
    setBusy(false);
    if (result.error) {
      setError(requestErrorMessage(result.error));
      return;
    }
    setStep('code');
  };

  const signIn = async (event: FormEvent) => {
    event.preventDefault();
    options.onActivity?.();
    if (code.length !== 6) {
      setError('Enter the 6 digits from the e-mail.');
      return;
    }
    setBusy(true);
    setError(null);
    const result = await options.client.mutation(SignInMutation, { email: email.trim(), code }).toPromise();
    setBusy(false);
    if (result.error) {
      setError(requestErrorMessage(result.error));
      return;
    }
    const outcome = result.data?.signIn;
    if (outcome?.__typename === 'SignInSuccess') {
      const refusal = options.accept({ token: outcome.token, person: outcome.person });
      if (refusal) {
        setError(refusal);
        backToEmail();
      }
    } else if (outcome?.__typename === 'SignInFailure') {
      setError(FAILURE_MESSAGE[outcome.reason] ?? outcome.message);
      setCode('');
      codeRef.current?.focus();
    }
  };

  return { step, email, setEmail, code, setCode, busy, error, setError, codeRef, requestCode, signIn, backToEmail };
}
