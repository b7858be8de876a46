'use client';

import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { Icon } from '@/components/Icon';
import type { MyParcelFieldsFragment } from '@/gql/graphql';
import { useCountdown, useCountdownMilestone } from '@/hooks/useCountdown';
import { errorCode, errorMessage } from '@/lib/errors';
import { useLiveSnapshot } from '@/lib/live-status';
import { useOnline } from '@/lib/use-online';
import { useSession } from '@/components/SessionProvider';
import {
  DESK_REASON_TEXT,
  PICKUP_METHOD_LABEL,
  REFUSAL_TEXT,
  STATUS_LABEL,
  commandDeadline,
  formatDeadline,
  formatPickupCode,
  looksLikeEmail,
  spokenPickupCode,
  timeLeft,
} from './describe';
import {
  ExtendParcelHoldMutation,
  OpenMyParcelMutation,
  ReportDoorDidNotOpenMutation,
  ShareParcelPickupMutation,
} from './documents';
import { PickupQr } from './PickupQr';
import styles from './parcels.module.css';

type Parcel = MyParcelFieldsFragment;

type Notice = { tone: 'ok' | 'error'; text: string } | null;

interface Props {
  parcel: Parcel;
  /** The signed-in person: the recipient may extend and share, a proxy may only collect. */
  personId: string;
  now: number;
}

/** One parcel of the signed-in person, with everything needed to collect it. */
export function ParcelCard({ parcel, personId, now }: Props) {
  const headingId = useId();
  const isRecipient = parcel.recipient.id === personId;
  const where = parcel.bank
    ? `${parcel.bank.name}${parcel.compartment ? `, compartment ${parcel.compartment.label}` : ''}`
    : '';
  return (
    <article
      className={styles.card}
      data-testid={`parcel-${parcel.id}`}
      data-status={parcel.status}
      aria-labelledby={headingId}
    >
      <header className={styles.cardHeader}>
        <h3 id={headingId} className={styles.cardTitle}>
          {parcel.carrier ? `${parcel.carrier} parcel` : 'Parcel'}{' '}
          <span className={styles.tracking}>{parcel.tracking}</span>
        </h3>
        <span className={styles.status} data-status={parcel.status}>
          {STATUS_LABEL[parcel.status]}
        </span>
      </header>
      {!isRecipient && (
        <p className={styles.sharedNote}>
          Shared with you by <strong>{parcel.recipient.name}</strong>.
        </p>
      )}
      {parcel.status === 'READY_FOR_PICKUP' ? (
        <ReadyForPickup parcel={parcel} isRecipient={isRecipient} where={where} now={now} />
      ) : (
        <StatusDetails parcel={parcel} />
      )}
    </article>
  );
}

function StatusDetails({ parcel }: { parcel: Parcel }) {
  switch (parcel.status) {
    case 'AWAITING_DEPOSIT':
      return (
        <p className={styles.body}>
          The mailroom is putting it into {parcel.bank ? <strong>{parcel.bank.name}</strong> : 'a locker'} right now.
          Your code appears here as soon as the door closes.
        </p>
      );
    case 'RECALL_PENDING':
      return (
        <p className={styles.body}>
          The pickup time is over, so the code no longer works. The mailroom will take it back to the desk; collect it
          there.
        </p>
      );
    case 'AT_DESK':
      return (
        <div className={styles.body}>
          <p>
            <strong>Collect it at the mailroom desk</strong> — bring your student card.
          </p>
          {parcel.deskReason && (
            <p className={styles.muted} data-testid="desk-reason" data-reason={parcel.deskReason}>
              Why: {DESK_REASON_TEXT[parcel.deskReason]}
            </p>
          )}
        </div>
      );
    case 'PICKED_UP':
      return (
        <p className={styles.body}>
          Picked up
          {parcel.pickedUpAt && (
            <>
              {' '}
              <time dateTime={parcel.pickedUpAt}>{formatDeadline(parcel.pickedUpAt)}</time>
            </>
          )}
          {parcel.pickupMethod && ` ${PICKUP_METHOD_LABEL[parcel.pickupMethod]}`}
          {parcel.bank && ` at ${parcel.bank.name}`}.
        </p>
      );
    default:
      return null;
  }
}

function ReadyForPickup({
  parcel,
  isRecipient,
  where,
  now,
}: {
  parcel: Parcel;
  isRecipient: boolean;
  where: string;
  now: number;
}) {
  const [notice, setNotice] = useState<Notice>(null);
  const [panel, setPanel] = useState<'share' | 'door' | null>(null);
  return (
    <div className={styles.ready}>
      <dl className={styles.facts}>
        <div>
          <dt>Where</dt>
          <dd>
            <strong>{parcel.bank?.name ?? 'Locker'}</strong>
            {parcel.compartment && (
              <>
                , compartment <strong data-testid="pickup-compartment">{parcel.compartment.label}</strong>
              </>
            )}
            {parcel.bank?.location && <span className={styles.location}>{parcel.bank.location}</span>}
          </dd>
        </div>
        {parcel.expiresAt && (
          <div>
            <dt>Collect by</dt>
            <dd>
              <time dateTime={parcel.expiresAt}>{formatDeadline(parcel.expiresAt)}</time>{' '}
              <span className={styles.muted}>({timeLeft(parcel.expiresAt, now)})</span>
              {parcel.extended && <span className={styles.muted}> · extended once</span>}
            </dd>
          </div>
        )}
        {parcel.proxy && (
          <div>
            <dt>Can also collect</dt>
            <dd>{personLabel(parcel.proxy)}</dd>
          </div>
        )}
      </dl>

      <div className={styles.credentials}>
        {parcel.pickupCode ? <PickupCode code={parcel.pickupCode} /> : null}
        {parcel.pickupQrToken ? <PickupQr token={parcel.pickupQrToken} where={where} /> : null}
      </div>

      <OpenNow parcel={parcel} onNotice={setNotice} />

      <div className={styles.actions}>
        {isRecipient && <ExtendButton parcel={parcel} onNotice={setNotice} />}
        {isRecipient && (
          <button
            type="button"
            className="button button-secondary"
            aria-expanded={panel === 'share'}
            onClick={() => setPanel((p) => (p === 'share' ? null : 'share'))}
            data-testid="share-pickup"
          >
            Share pickup
          </button>
        )}
        <button
          type="button"
          className="button button-secondary"
          aria-expanded={panel === 'door'}
          onClick={() => setPanel((p) => (p === 'door' ? null : 'door'))}
          data-testid="door-problem"
        >
          Door did not open
        </button>
      </div>

      {panel === 'share' && (
        <ShareForm
          parcel={parcel}
          onDone={(n) => {
            setNotice(n);
            if (n?.tone === 'ok') setPanel(null);
          }}
        />
      )}
      {panel === 'door' && (
        <DoorProblemForm
          parcel={parcel}
          onDone={(n) => {
            setNotice(n);
            if (n?.tone === 'ok') setPanel(null);
          }}
        />
      )}

      <p
        className={notice?.tone === 'error' ? 'error' : styles.notice}
        role="status"
        aria-live="polite"
        data-testid="parcel-action-status"
        hidden={!notice}
      >
        {notice?.text}
      </p>
    </div>
  );
}

function PickupCode({ code }: { code: string }) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(code);
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
  };
  useEffect(() => {
    if (!copied) return;
    const timer = setTimeout(() => setCopied(null), 3_000);
    return () => clearTimeout(timer);
  }, [copied]);
  return (
    <div className={styles.codeBox}>
      <p className={styles.codeLabel} id="pickup-code-label">
        Pickup code
      </p>
      <p className={styles.code} data-testid="pickup-code" aria-label={`Pickup code ${spokenPickupCode(code)}`}>
        {formatPickupCode(code)}
      </p>
      <button type="button" className="button button-secondary" onClick={() => void copy()} data-testid="copy-code">
        {copied === 'yes' ? 'Copied' : 'Copy code'}
      </button>
      <span className="visually-hidden" role="status">
        {copied === 'yes' ? 'Code copied' : copied === 'failed' ? 'Could not copy; select the code instead' : ''}
      </span>
      <p className="hint">Type it on the locker&apos;s keypad, or show the QR code.</p>
    </div>
  );
}

function OpenNow({ parcel, onNotice }: { parcel: Parcel; onNotice: (n: Notice) => void }) {
  const { authed } = useSession();
  const live = useLiveSnapshot(authed?.live ?? null);
  // The browser may think it is online while the server is out of reach (captive Wi-Fi): both count.
  const online = useOnline() && live.serverReachable;
  const [{ fetching }, open] = useMutation(OpenMyParcelMutation);
  // The command's deadline (received time + ttlMs); null when no countdown is known.
  const [openUntil, setOpenUntil] = useState<number | null>(null);
  const [sent, setSent] = useState(false);
  const [label, setLabel] = useState<string | null>(null);
  const seconds = useCountdown(openUntil);
  const door = parcel.compartment?.door;
  // While the command may still open the door, and for as long as the door it opened stays open.
  const active = sent && (door === 'OPEN' || openUntil === null || seconds > 0);
  const milestone = useCountdownMilestone(seconds, sent && openUntil !== null);
  const [sawOpen, setSawOpen] = useState(false);
  useEffect(() => {
    if (sent && door === 'OPEN') setSawOpen(true);
  }, [sent, door]);
  // Read out when the door or the countdown reaches a milestone, not every second.
  const announcement = !sent
    ? ''
    : door === 'OPEN'
      ? `Door ${label} is open — take your parcel and close the door.`
      : sawOpen
        ? `Door ${label} is closed.`
        : milestone.milestone === 'start'
          ? `Door ${label} is opening — you have ${milestone.seconds} seconds.`
          : milestone.milestone === 'last-seconds'
            ? `${milestone.seconds} seconds left to open door ${label}.`
            : milestone.milestone === 'over'
              ? `Door ${label} was not opened in time. Use the code or the QR code at the locker.`
              : `Door ${label} is opening.`;

  // Without a deadline from the server, the message goes once the door has opened and closed again.
  const wasOpen = useRef(false);
  useEffect(() => {
    if (!sent || openUntil !== null) return;
    if (door === 'OPEN') wasOpen.current = true;
    else if (wasOpen.current) setSent(false);
  }, [door, sent, openUntil]);

  const run = async () => {
    onNotice(null);
    const result = await open({ parcelId: parcel.id });
    if (result.error) {
      onNotice({
        tone: 'error',
        text:
          errorCode(result.error) === 'NETWORK'
            ? 'Opening from the app needs a connection. At the locker, type the code or show the QR code instead.'
            : errorMessage(result.error),
      });
      return;
    }
    const outcome = result.data?.openMyParcel;
    if (outcome?.__typename === 'ParcelActionOk') {
      const command = outcome.command ?? null;
      setLabel(command?.compartmentLabel ?? outcome.parcel.compartment?.label ?? parcel.compartment?.label ?? null);
      wasOpen.current = false;
      setSawOpen(false);
      setOpenUntil(commandDeadline(command, Date.now()));
      setSent(true);
    } else if (outcome?.__typename === 'ParcelActionRefused') {
      onNotice({ tone: 'error', text: REFUSAL_TEXT[outcome.reason] ?? outcome.message });
    }
  };

  return (
    <div className={styles.openNow}>
      <button
        type="button"
        className="button"
        onClick={() => void run()}
        disabled={fetching || active || !online}
        data-testid="open-now"
        aria-describedby={!online ? `open-offline-${parcel.id}` : undefined}
      >
        <Icon name="doorOpen" /> {fetching ? 'Opening…' : 'Open locker now'}
      </button>
      {!online && (
        <p className="hint" id={`open-offline-${parcel.id}`}>
          Offline: use the code or the QR code at the locker.
        </p>
      )}
      <p className="visually-hidden" role="status" aria-live="assertive">
        {announcement}
      </p>
      <p className={styles.opening} data-testid="open-now-status" data-until={openUntil ?? undefined} hidden={!active}>
        {active &&
          (door === 'OPEN' ? (
            <>Door {label} is open — take your parcel and close the door.</>
          ) : openUntil !== null ? (
            <>
              Door {label} is opening — you have {seconds} s.
            </>
          ) : (
            <>Door {label} is opening.</>
          ))}
      </p>
    </div>
  );
}

function ExtendButton({ parcel, onNotice }: { parcel: Parcel; onNotice: (n: Notice) => void }) {
  const [{ fetching }, extend] = useMutation(ExtendParcelHoldMutation);
  const run = async () => {
    onNotice(null);
    const result = await extend({ parcelId: parcel.id });
    if (result.error) {
      onNotice({ tone: 'error', text: errorMessage(result.error) });
      return;
    }
    const outcome = result.data?.extendParcelHold;
    if (outcome?.__typename === 'ParcelActionOk') {
      const until = outcome.parcel.expiresAt;
      onNotice({ tone: 'ok', text: until ? `Extended: collect it by ${formatDeadline(until)}.` : 'Extended.' });
    } else if (outcome?.__typename === 'ParcelActionRefused') {
      onNotice({ tone: 'error', text: REFUSAL_TEXT[outcome.reason] ?? outcome.message });
    }
  };
  return (
    <button
      type="button"
      className="button button-secondary"
      onClick={() => void run()}
      disabled={fetching || parcel.extended}
      data-testid="extend-hold"
    >
      {parcel.extended ? 'Already extended' : fetching ? 'Extending…' : 'Extend once'}
    </button>
  );
}

/**
 * A person on a parcel card. The recipient sees the person they shared with as
 * just the address they entered (name and e-mail alike), so it is shown once.
 */
function personLabel(p: { name: string; email: string }): string {
  return p.name === p.email ? p.email : `${p.name} (${p.email})`;
}

function ShareForm({ parcel, onDone }: { parcel: Parcel; onDone: (n: Notice) => void }) {
  const [email, setEmail] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [{ fetching }, share] = useMutation(ShareParcelPickupMutation);
  const input = useRef<HTMLInputElement>(null);
  const id = useId();

  useEffect(() => input.current?.focus(), []);

  const send = async (value: string | null) => {
    setError(null);
    const result = await share({ parcelId: parcel.id, email: value });
    if (result.error) {
      setError(
        errorMessage(result.error, { BAD_USER_INPUT: 'Enter a full e-mail address, like name@university.edu.' }),
      );
      return;
    }
    const outcome = result.data?.shareParcelPickup;
    if (outcome?.__typename === 'ParcelActionOk') {
      const proxy = outcome.parcel.proxy;
      onDone({
        tone: 'ok',
        text: proxy
          ? `Shared with ${proxy.email}. When they sign in to Baylight with that address, they can collect it too.`
          : 'Sharing removed: only you can collect it.',
      });
    } else if (outcome?.__typename === 'ParcelActionRefused') {
      setError(REFUSAL_TEXT[outcome.reason] ?? outcome.message);
      input.current?.focus();
    }
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!looksLikeEmail(email)) {
      setError('Enter their e-mail address, like name@university.edu.');
      input.current?.focus();
      return;
    }
    void send(email.trim());
  };

  return (
    <form className={styles.subForm} onSubmit={submit} noValidate aria-label="Share pickup">
      {parcel.proxy && (
        <p>
          <strong>{personLabel(parcel.proxy)}</strong> may collect it too.{' '}
          <button
            type="button"
            className="button-link"
            onClick={() => void send(null)}
            disabled={fetching}
            data-testid="share-remove"
          >
            Stop sharing
          </button>
        </p>
      )}
      <div className="field">
        <label htmlFor={`${id}-email`}>
          {parcel.proxy ? 'Share with someone else instead' : 'Who may collect it? (e-mail)'}
        </label>
        <input
          ref={input}
          id={`${id}-email`}
          type="email"
          inputMode="email"
          autoComplete="off"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${id}-error` : `${id}-hint`}
          data-testid="share-email"
        />
        <p className="hint" id={`${id}-hint`}>
          They sign in to Baylight with this address and see the code and QR code too. Only an address with a Baylight
          account can: to keep everyone’s privacy, Baylight never says whether an address has one.
        </p>
      </div>
      {error && (
        <p className="error" id={`${id}-error`} role="alert">
          {error}
        </p>
      )}
      <button type="submit" className="button" disabled={fetching} data-testid="share-submit">
        {fetching ? 'Sharing…' : 'Share'}
      </button>
    </form>
  );
}

function DoorProblemForm({ parcel, onDone }: { parcel: Parcel; onDone: (n: Notice) => void }) {
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [{ fetching }, report] = useMutation(ReportDoorDidNotOpenMutation);
  const id = useId();
  const area = useRef<HTMLTextAreaElement>(null);
  useEffect(() => area.current?.focus(), []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    const result = await report({ parcelId: parcel.id, note: note.trim() || null });
    if (result.error) {
      setError(errorMessage(result.error));
      return;
    }
    onDone({
      tone: 'ok',
      text: 'Thanks — the mailroom has been told and will help. You can also ask at the desk.',
    });
  };

  return (
    <form className={styles.subForm} onSubmit={(e) => void submit(e)} aria-label="Door did not open">
      <div className="field">
        <label htmlFor={`${id}-note`}>What happened? (optional)</label>
        <textarea
          ref={area}
          id={`${id}-note`}
          rows={3}
          maxLength={500}
          value={note}
          onChange={(e) => setNote(e.target.value)}
          data-testid="door-problem-note"
        />
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" className="button" disabled={fetching} data-testid="door-problem-submit">
        {fetching ? 'Sending…' : 'Tell the mailroom'}
      </button>
    </form>
  );
}
