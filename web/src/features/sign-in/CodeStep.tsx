'use client';

import { useRef, useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { formatAsOf } from '@/features/board/describe';
import type { Session } from '@/lib/session';
import { RequestSignInCodeMutation, SignInMutation } from './documents';
import { FAILURE_MESSAGE, normaliseCode, requestErrorMessage } from './messages';

interface Props {
  email: string;
  expiresAt: string;
  onSignedIn: (session: Session) => Promise<void>;
  onChangeEmail: () => void;
  onResent: (expiresAt: string) => void;
}

export function CodeStep({ email, expiresAt, onSignedIn, onChangeEmail, onResent }: Props) {
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [{ fetching: signingIn }, signIn] = useMutation(SignInMutation);
  const [{ fetching: resending }, requestCode] = useMutation(RequestSignInCodeMutation);
  const input = useRef<HTMLInputElement>(null);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setNotice(null);
    if (code.length !== 6) {
      setError('Enter the 6 digits from the e-mail.');
      input.current?.focus();
      return;
    }
    setError(null);
    const result = await signIn({ email, code });
    if (result.error) {
      setError(requestErrorMessage(result.error));
      return;
    }
    const outcome = result.data?.signIn;
    if (!outcome) return;
    if (outcome.__typename === 'SignInSuccess') {
      await onSignedIn({ token: outcome.token, expiresAt: outcome.expiresAt, person: outcome.person });
    } else if (outcome.__typename === 'SignInFailure') {
      setError(FAILURE_MESSAGE[outcome.reason] ?? outcome.message);
      setCode('');
      input.current?.focus();
    }
  };

  const resend = async () => {
    setError(null);
    const result = await requestCode({ email });
    if (result.error) {
      setError(requestErrorMessage(result.error));
    } else if (result.data) {
      onResent(result.data.requestSignInCode.expiresAt);
      setNotice('A new code is on its way. Earlier codes no longer matter.');
      setCode('');
      input.current?.focus();
    }
  };

  return (
    <>
      <form className="sign-in-form" onSubmit={(e) => void submit(e)} noValidate>
        <p>
          If <strong>{email}</strong> has an account, a 6-digit code is on its way. It works until{' '}
          <time dateTime={expiresAt}>{formatAsOf(expiresAt)}</time>.
        </p>
        <div className="field">
          <label htmlFor="sign-in-code">Sign-in code</label>
          <input
            ref={input}
            id="sign-in-code"
            name="code"
            type="text"
            autoComplete="one-time-code"
            inputMode="numeric"
            pattern="[0-9]{6}"
            maxLength={6}
            required
            autoFocus
            value={code}
            onChange={(e) => setCode(normaliseCode(e.target.value))}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? 'sign-in-code-error' : undefined}
            className="code-input"
          />
        </div>
        {error && (
          <p id="sign-in-code-error" className="error" role="alert" data-testid="sign-in-error">
            {error}
          </p>
        )}
        {notice && (
          <p className="hint" role="status">
            {notice}
          </p>
        )}
        <button type="submit" className="button" disabled={signingIn}>
          {signingIn ? 'Signing in…' : 'Sign in'}
        </button>
        <div className="sign-in-links">
          <button type="button" className="button-link" onClick={() => void resend()} disabled={resending}>
            Send a new code
          </button>
          <button type="button" className="button-link" onClick={onChangeEmail}>
            Use a different e-mail
          </button>
        </div>
      </form>
    </>
  );
}
