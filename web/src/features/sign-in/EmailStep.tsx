'use client';

import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { RequestSignInCodeMutation } from './documents';
import { requestErrorMessage } from './messages';

interface Props {
  initialEmail: string;
  onCodeSent: (email: string, expiresAt: string) => void;
}

export function EmailStep({ initialEmail, onCodeSent }: Props) {
  const [email, setEmail] = useState(initialEmail);
  const [error, setError] = useState<string | null>(null);
  const [{ fetching }, requestCode] = useMutation(RequestSignInCodeMutation);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const address = email.trim();
    if (!address) {
      setError('Enter your e-mail address.');
      return;
    }
    setError(null);
    const result = await requestCode({ email: address });
    if (result.error) {
      setError(requestErrorMessage(result.error));
    } else if (result.data) {
      onCodeSent(address, result.data.requestSignInCode.expiresAt);
    }
  };

  return (
    <form className="sign-in-form" onSubmit={(e) => void submit(e)} noValidate>
      <div className="field">
        <label htmlFor="sign-in-email">E-mail address</label>
        <input
          id="sign-in-email"
          name="email"
          type="email"
          autoComplete="email"
          inputMode="email"
          required
          autoFocus
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'sign-in-email-error' : 'sign-in-email-hint'}
        />
        <p id="sign-in-email-hint" className="hint">
          We will e-mail you a 6-digit code. No password needed.
        </p>
      </div>
      {error && (
        <p id="sign-in-email-error" className="error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" className="button" disabled={fetching}>
        {fetching ? 'Sending…' : 'Send code'}
      </button>
    </form>
  );
}
