'use client';

import { useRef, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import type { PairKioskMutation as PairKioskResult } from '@/gql/graphql';
import { errorMessage } from '@/lib/errors';
import { KioskCredentialsQuery, PairKioskMutation, RevokeKioskMutation, RotateKioskMutation } from './documents';
import styles from './admin.module.css';

type Issued = PairKioskResult['createKioskCredential'] & { action: 'paired' | 'rotated' };

const day = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
const when = (iso: string | null | undefined) => (iso ? day.format(new Date(iso)) : 'never');

/**
 * ADMIN: the kiosk screens paired with each bank. A credential is shown once,
 * when it is issued; rotating one replaces its token (the screen must be
 * paired again) and revoking it ends it. Either closes the screen's open
 * connections at once.
 */
export function KioskCredentials() {
  const [{ data, fetching, error }, refetch] = useQuery({
    query: KioskCredentialsQuery,
    requestPolicy: 'cache-and-network',
  });
  const [, pair] = useMutation(PairKioskMutation);
  const [, rotate] = useMutation(RotateKioskMutation);
  const [, revoke] = useMutation(RevokeKioskMutation);
  const [issued, setIssued] = useState<Issued | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const issuedRef = useRef<HTMLElement>(null);

  const reload = () => refetch({ requestPolicy: 'network-only' });
  const show = (credential: PairKioskResult['createKioskCredential'], action: Issued['action']) => {
    setIssued({ ...credential, action });
    setTimeout(() => issuedRef.current?.focus(), 0);
    reload();
  };

  const onPair = async (event: FormEvent<HTMLFormElement>, bankId: string) => {
    event.preventDefault();
    const form = event.currentTarget;
    const field = new FormData(form).get('name');
    const name = typeof field === 'string' ? field.trim() : '';
    setProblem(null);
    const answer = await pair({ bankId, name });
    if (answer.error) return setProblem(errorMessage(answer.error));
    if (answer.data) {
      form.reset();
      show(answer.data.createKioskCredential, 'paired');
    }
  };

  const onRotate = async (id: string, name: string) => {
    if (!window.confirm(`Rotate “${name}”? Its screen stops working until it is paired with the new token.`)) return;
    setProblem(null);
    const answer = await rotate({ id });
    if (answer.error) return setProblem(errorMessage(answer.error));
    if (answer.data) show(answer.data.rotateKioskCredential, 'rotated');
  };

  const onRevoke = async (id: string, name: string) => {
    if (!window.confirm(`Revoke “${name}”? Its screen stops working at once.`)) return;
    setProblem(null);
    const answer = await revoke({ id });
    if (answer.error) return setProblem(errorMessage(answer.error));
    if (issued?.id === id) setIssued(null);
    reload();
  };

  const banks = data?.lockerBanks ?? [];
  const credentials = data?.kioskCredentials ?? [];
  return (
    <div className={styles.page}>
      <h1 className={styles.title}>Kiosks</h1>
      <p className={styles.lead}>
        Each bank&rsquo;s touchscreen acts for that bank through a credential. Pair a screen by opening{' '}
        <code>/kiosk/&lt;bank&gt;</code> on it and entering the token shown here once. Credentials expire; rotate them
        before, and revoke one the moment a screen is lost or replaced.
      </p>

      {issued && (
        <section
          className={styles.issued}
          ref={issuedRef}
          tabIndex={-1}
          aria-labelledby="kiosk-issued-title"
          data-testid="kiosk-issued"
        >
          <h2 id="kiosk-issued-title">
            {issued.action === 'paired' ? 'New kiosk credential' : 'Rotated'}: {issued.name}
          </h2>
          <p>
            Enter this token on the screen at <code>/kiosk/{issued.bankId}</code>. It is shown only now.
          </p>
          <code data-testid="kiosk-issued-token">{issued.token}</code>
          <p className={styles.meta}>Expires {when(issued.expiresAt)}.</p>
          <button type="button" className="button button-secondary" onClick={() => setIssued(null)}>
            Done
          </button>
        </section>
      )}

      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      {error && !data && (
        <p className="error" role="alert">
          {errorMessage(error, { FORBIDDEN: 'Only administrators manage kiosks.' })}
        </p>
      )}
      {fetching && !data && <p role="status">Loading kiosks…</p>}

      {banks.map((bank) => {
        const own = credentials.filter((c) => c.bankId === bank.id);
        return (
          <section key={bank.id} className={styles.bank} aria-labelledby={`bank-${bank.id}`}>
            <h2 id={`bank-${bank.id}`}>{bank.name}</h2>
            {bank.location && <p className={styles.meta}>{bank.location}</p>}
            {own.length === 0 ? (
              <p>No kiosk paired.</p>
            ) : (
              <ul className={styles.list}>
                {own.map((c) => (
                  <li key={c.id} className={styles.row} data-testid={`kiosk-${c.id}`}>
                    <span>
                      <strong>{c.name}</strong>{' '}
                      <span className={styles.meta}>
                        {c.revokedAt
                          ? `revoked ${when(c.revokedAt)}`
                          : `last used ${when(c.lastUsedAt)} · expires ${when(c.expiresAt)}`}
                      </span>
                    </span>
                    {!c.revokedAt && (
                      <span className={styles.actions}>
                        <button
                          type="button"
                          className="button button-secondary"
                          onClick={() => void onRotate(c.id, c.name)}
                        >
                          Rotate<span className="visually-hidden"> {c.name}</span>
                        </button>
                        <button
                          type="button"
                          className="button button-danger"
                          onClick={() => void onRevoke(c.id, c.name)}
                        >
                          Revoke<span className="visually-hidden"> {c.name}</span>
                        </button>
                      </span>
                    )}
                  </li>
                ))}
              </ul>
            )}
            <form className={styles.pair} onSubmit={(e) => void onPair(e, bank.id)}>
              <div className="field">
                <label htmlFor={`kiosk-name-${bank.id}`}>Name of a new screen</label>
                <input id={`kiosk-name-${bank.id}`} name="name" required maxLength={80} placeholder="Hall screen" />
              </div>
              <button type="submit" className="button">
                Pair a kiosk<span className="visually-hidden"> at {bank.name}</span>
              </button>
            </form>
          </section>
        );
      })}
    </div>
  );
}
