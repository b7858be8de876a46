'use client';

import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { useSession } from '@/components/SessionProvider';
import type { OpenRefusedReason } from '@/gql/graphql';
import { errorMessage } from '@/lib/errors';
import { PAGE_ROLES, hasRole } from '@/lib/roles';
import { OpenCompartmentMutation, SetCompartmentOutOfServiceMutation } from './documents';
import type { Compartment } from './describe';
import styles from './board.module.css';

const OPEN_REFUSED_TEXT: Record<OpenRefusedReason, string> = {
  UNKNOWN_COMPARTMENT: 'The bank does not know this compartment. Reload the board.',
  BANK_OFFLINE:
    'The bank is offline. Nothing was queued, so the door will not open later: try again when it is back online.',
  OUT_OF_SERVICE: 'This compartment is out of service. Put it back in service first, or open it with a key.',
};

type Action = 'open' | 'service';

/** The tile's staff menu: open with an override, or take out of / put back into service. A reason is required. */
export function StaffActions({ compartment: c }: { compartment: Compartment }) {
  const { session } = useSession();
  const role = session?.person.role;
  const canOpen = hasRole(role, PAGE_ROLES.openOverride);
  const canService = hasRole(role, PAGE_ROLES.outOfService);
  const [action, setAction] = useState<Action | null>(null);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [{ fetching: opening }, open] = useMutation(OpenCompartmentMutation);
  const [{ fetching: saving }, setService] = useMutation(SetCompartmentOutOfServiceMutation);
  const reasonRef = useRef<HTMLTextAreaElement>(null);
  const id = useId();

  useEffect(() => {
    if (action) reasonRef.current?.focus();
  }, [action]);

  if (!canOpen && !canService) return null;
  const outOfService = c.state === 'OUT_OF_SERVICE';

  const choose = (next: Action) => {
    setAction((a) => (a === next ? null : next));
    setError(null);
    setDone(null);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const why = reason.trim();
    if (!why) {
      setError('Give a reason: it is kept in the audit trail.');
      reasonRef.current?.focus();
      return;
    }
    setError(null);
    if (action === 'open') {
      const result = await open({ input: { bankId: c.bankId, label: c.label, reason: why } });
      if (result.error)
        return setError(errorMessage(result.error, { FORBIDDEN: 'Only admins, IT and the mailroom can open doors.' }));
      const outcome = result.data?.openCompartment;
      if (outcome?.__typename === 'CommandIssued') {
        setDone(`Opening ${c.label} now. The command expires in 30 s if the bank does not carry it out.`);
        setAction(null);
        setReason('');
      } else if (outcome?.__typename === 'OpenRefused') {
        setError(OPEN_REFUSED_TEXT[outcome.reason] ?? outcome.message);
      }
    } else if (action === 'service') {
      const result = await setService({ bankId: c.bankId, label: c.label, outOfService: !outOfService, reason: why });
      if (result.error) return setError(errorMessage(result.error));
      setDone(outOfService ? `${c.label} is back in service.` : `${c.label} is out of service: no parcels go in it.`);
      setAction(null);
      setReason('');
    }
  };

  return (
    <div className={styles.staffActions}>
      <div className={styles.staffButtons} role="group" aria-label={`Staff actions for ${c.label}`}>
        {canOpen && (
          <button
            type="button"
            className={styles.secondaryButton}
            aria-expanded={action === 'open'}
            onClick={() => choose('open')}
            data-testid="compartment-action-open"
          >
            Open (override)
          </button>
        )}
        {canService && (
          <button
            type="button"
            className={styles.secondaryButton}
            aria-expanded={action === 'service'}
            onClick={() => choose('service')}
            data-testid="compartment-action-service"
          >
            {outOfService ? 'Back in service' : 'Out of service'}
          </button>
        )}
      </div>
      {action && (
        <form className={styles.staffForm} onSubmit={(e) => void submit(e)} noValidate>
          <div className="field">
            <label htmlFor={`${id}-reason`}>
              {action === 'open'
                ? `Why open ${c.label}?`
                : outOfService
                  ? `Why put ${c.label} back?`
                  : `Why take ${c.label} out of service?`}
            </label>
            <textarea
              ref={reasonRef}
              id={`${id}-reason`}
              rows={2}
              maxLength={500}
              required
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              aria-invalid={error ? true : undefined}
              data-testid="compartment-action-reason"
            />
          </div>
          <button type="submit" className="button" disabled={opening || saving} data-testid="compartment-action-submit">
            {action === 'open' ? (opening ? 'Opening…' : `Open ${c.label}`) : saving ? 'Saving…' : 'Confirm'}
          </button>
        </form>
      )}
      <p
        className={error ? 'error' : 'ok'}
        role="status"
        hidden={!error && !done}
        data-testid="compartment-action-result"
      >
        {error ?? done}
      </p>
    </div>
  );
}
