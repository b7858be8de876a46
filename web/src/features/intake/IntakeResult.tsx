'use client';

import { useEffect, useRef, useState, type Ref } from 'react';
import { useQuery } from 'urql';
import { Icon } from '@/components/Icon';
import { DESK_REASON_LABEL, STATUS_LABEL, formatDeadline } from '@/features/parcels/describe';
import { ParcelQuery } from '@/features/parcels/documents';
import type { CourierBankFullReason, DoorState, IntakeParcelMutation } from '@/gql/graphql';
import { DEPOSIT_TEXT, depositPhase } from './deposit';
import styles from './intake.module.css';

export type IntakeOutcome = IntakeParcelMutation['intakeParcel'];

/** How often the parcel is re-read while its deposit is under way (in case live updates are not available). */
const POLL_MS = 3_000;

interface Props {
  outcome: IntakeOutcome;
  /** Live door state from a grid the caller already watches (the kiosk's own bank). */
  doorFor?: (label: string) => DoorState | undefined;
  onForce?: () => void;
  forcing?: boolean;
  forceRef?: Ref<HTMLButtonElement>;
  /** A courier's own phone: "I am at that bank now" switches the drop-off bank (the kiosk cannot move). */
  onChooseBank?: (bankId: string) => void;
}

/** Why the courier's bank cannot take it, as a headline. */
const COURIER_FULL_HEADLINE: Record<CourierBankFullReason, (bank: string) => string> = {
  NO_FREE_COMPARTMENT: (bank) => `No free compartment for it at ${bank}`,
  TOO_BIG: (bank) => `Too big for ${bank}`,
  BANK_OFFLINE: (bank) => `${bank} is offline`,
};

/** The answer to "Take in", said plainly: where to put the parcel, or to keep it at the desk. */
export function IntakeResult({ outcome, doorFor, onForce, forcing, forceRef, onChooseBank }: Props) {
  switch (outcome.__typename) {
    case 'ParcelReserved': {
      const bank = outcome.parcel.bank?.name ?? 'the locker';
      return (
        <section
          className={styles.result}
          data-testid="intake-result"
          data-result={outcome.__typename}
          data-label={outcome.compartment.label}
          data-parcel={outcome.parcel.id}
          aria-label="Intake result"
        >
          <p className={styles.putIt}>
            Put it in <span className={styles.where}>{bank}</span>{' '}
            <span className={styles.label}>{outcome.compartment.label}</span>
          </p>
          <p className={styles.resultMeta}>
            {outcome.parcel.tracking} for {outcome.parcel.recipient.name} · size {outcome.compartment.size}
          </p>
          <DepositProgress
            parcelId={outcome.parcel.id}
            label={outcome.compartment.label}
            initialDoor={outcome.compartment.door}
            liveDoor={doorFor?.(outcome.compartment.label)}
          />
        </section>
      );
    }
    case 'ParcelSentToDesk':
    case 'ParcelTooBig': {
      const reason = outcome.__typename === 'ParcelSentToDesk' ? outcome.reason : 'TOO_BIG';
      return (
        <section
          className={styles.result}
          data-testid="intake-result"
          data-result={outcome.__typename}
          data-label=""
          data-parcel={outcome.parcel.id}
          data-tone="desk"
          aria-label="Intake result"
        >
          <p className={styles.putIt}>
            <Icon name="box" /> Keep at desk
          </p>
          <p className={styles.reason}>
            {DESK_REASON_LABEL[reason]}: {outcome.message}
          </p>
          <p className={styles.resultMeta}>
            {outcome.parcel.tracking} for {outcome.parcel.recipient.name}. The recipient is told to collect it at the
            desk.
          </p>
        </section>
      );
    }
    case 'DuplicateTracking': {
      // Null when the parcel taken in already is not one this account may see (e.g. another courier's).
      const p = outcome.existing;
      return (
        <section
          className={styles.result}
          data-testid="intake-result"
          data-result={outcome.__typename}
          data-label={p?.compartment?.label ?? ''}
          data-parcel={p?.id ?? ''}
          data-tone="warn"
          aria-label="Intake result"
        >
          <p className={styles.putIt}>
            <Icon name="alert" /> Already taken in
          </p>
          <p className={styles.reason}>{outcome.message}</p>
          {p && (
            <dl className={styles.existing} data-testid="intake-existing">
              <div>
                <dt>Tracking</dt>
                <dd>{p.tracking}</dd>
              </div>
              <div>
                <dt>Recipient</dt>
                <dd>
                  {p.recipient.name} ({p.recipient.email})
                </dd>
              </div>
              <div>
                <dt>Status</dt>
                <dd>
                  {STATUS_LABEL[p.status]}
                  {p.bank ? ` · ${p.bank.name}` : ''}
                  {p.compartment ? ` ${p.compartment.label}` : ''}
                </dd>
              </div>
              <div>
                <dt>Taken in</dt>
                <dd>
                  <time dateTime={p.createdAt}>{formatDeadline(p.createdAt)}</time>
                </dd>
              </div>
            </dl>
          )}
          {onForce && (
            <button
              ref={forceRef}
              type="button"
              className="button"
              onClick={onForce}
              disabled={forcing}
              data-testid="intake-force"
            >
              {forcing ? 'Taking in…' : 'Take in anyway'}
            </button>
          )}
        </section>
      );
    }
    case 'CourierBankFull': {
      // The courier still has the parcel: nothing was recorded, nobody told. Say where to take it.
      const desk = `the mailroom desk${outcome.deskLocation ? ` (${outcome.deskLocation})` : ''}`;
      return (
        <section
          className={styles.result}
          data-testid="intake-result"
          data-result={outcome.__typename}
          data-cause={outcome.cause}
          data-label=""
          data-parcel=""
          data-tone="desk"
          aria-label="Intake result"
        >
          <p className={styles.putIt}>
            <Icon name="alert" /> {COURIER_FULL_HEADLINE[outcome.cause](outcome.bank.name)}
          </p>
          <p className={styles.reason}>
            Keep the parcel with you: nothing was recorded and the recipient has not been told.
          </p>
          {outcome.alternatives.length > 0 ? (
            <>
              <p>Your banks with room for it now:</p>
              <ul className={styles.alternatives} data-testid="intake-alternatives">
                {outcome.alternatives.map((b) => (
                  <li key={b.id} data-testid={`intake-alternative-${b.name}`}>
                    <span>
                      <strong>{b.name}</strong>
                      {b.location ? <span className={styles.bankMeta}>{b.location}</span> : null}
                    </span>
                    {onChooseBank && (
                      <button
                        type="button"
                        className="button button-secondary"
                        onClick={() => onChooseBank(b.id)}
                        data-testid={`intake-alternative-choose-${b.name}`}
                      >
                        I am at {b.name} now
                      </button>
                    )}
                  </li>
                ))}
              </ul>
              <p data-testid="intake-desk">Or take it to {desk}.</p>
            </>
          ) : (
            <p data-testid="intake-desk">None of your other banks has room for it now: take it to {desk}.</p>
          )}
          <p className={styles.resultMeta}>
            The recipient is told once the parcel is in a locker or has been handed in at the desk.
          </p>
        </section>
      );
    }
    default:
      return null;
  }
}

/**
 * Follows a reserved compartment until the parcel is in: the parcel is read
 * from the cache (kept fresh by parcelUpdated / compartmentUpdated where the
 * page subscribes) and re-read every few seconds until it settles.
 */
function DepositProgress({
  parcelId,
  label,
  initialDoor,
  liveDoor,
}: {
  parcelId: string;
  label: string;
  initialDoor: DoorState;
  liveDoor?: DoorState;
}) {
  const [result, reexecute] = useQuery({
    query: ParcelQuery,
    variables: { id: parcelId },
    requestPolicy: 'cache-and-network',
  });
  const parcel = result.data?.parcel;
  const door = liveDoor ?? parcel?.compartment?.door ?? initialDoor;
  const [sawOpen, setSawOpen] = useState(door === 'OPEN');
  useEffect(() => {
    if (door === 'OPEN') setSawOpen(true);
  }, [door]);
  const phase = depositPhase({ status: parcel?.status ?? 'AWAITING_DEPOSIT', door, sawOpen });
  const settled = phase === 'deposited' || phase === 'failed';

  const reexecuteRef = useRef(reexecute);
  useEffect(() => {
    reexecuteRef.current = reexecute;
  }, [reexecute]);
  useEffect(() => {
    if (settled) return;
    const timer = setInterval(() => reexecuteRef.current({ requestPolicy: 'network-only' }), POLL_MS);
    return () => clearInterval(timer);
  }, [settled]);

  return (
    <p className={styles.deposit} data-phase={phase} data-testid="intake-deposit-status">
      <Icon
        name={phase === 'deposited' ? 'box' : phase === 'failed' ? 'alert' : phase === 'open' ? 'doorOpen' : 'lock'}
      />
      <span>
        {label}: {DEPOSIT_TEXT[phase]}
        {phase === 'failed' && parcel?.deskReason ? ` (${DESK_REASON_LABEL[parcel.deskReason]})` : ''}
      </span>
    </p>
  );
}
