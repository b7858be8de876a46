'use client';

import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import { useMutation, useQuery, useSubscription } from 'urql';
import { ConnectionBanner } from '@/components/ConnectionBanner';
import { LiveSubscriptions } from '@/features/board/LiveSubscriptions';
import { DESK_REASON_LABEL, REFUSAL_TEXT, commandDeadline, formatDeadline } from '@/features/parcels/describe';
import { ParcelUpdatedSubscription, ParcelsQuery } from '@/features/parcels/documents';
import type { ParcelFieldsFragment } from '@/gql/graphql';
import { useCountdown, useCountdownMilestone } from '@/hooks/useCountdown';
import { useResyncOnReconnect } from '@/hooks/useResyncOnReconnect';
import { errorMessage } from '@/lib/errors';
import { HandOverAtDeskMutation, OpenForRecallMutation } from './documents';
import { matchesSearch } from './search';
import styles from './desk.module.css';

type Parcel = ParcelFieldsFragment;

/** Recall expired parcels from the lockers, and hand desk parcels over in person. */
export function RecallDesk() {
  useSubscription({ query: ParcelUpdatedSubscription });
  const [recall, refetchRecall] = useQuery({
    query: ParcelsQuery,
    variables: { status: 'RECALL_PENDING', limit: 200 },
    requestPolicy: 'cache-and-network',
  });
  const [desk, refetchDesk] = useQuery({
    query: ParcelsQuery,
    variables: { status: 'AT_DESK', limit: 200 },
    requestPolicy: 'cache-and-network',
  });
  const refetch = useCallback(() => {
    refetchRecall({ requestPolicy: 'network-only' });
    refetchDesk({ requestPolicy: 'network-only' });
  }, [refetchRecall, refetchDesk]);
  useResyncOnReconnect(refetch);

  const [search, setSearch] = useState('');
  const deskHeading = useRef<HTMLHeadingElement>(null);
  const [announcement, setAnnouncement] = useState('');
  const recallList = useMemo(
    () => (recall.data?.parcels ?? []).filter((p) => matchesSearch(p, search)),
    [recall.data, search],
  );
  const deskList = useMemo(
    () => (desk.data?.parcels ?? []).filter((p) => matchesSearch(p, search)),
    [desk.data, search],
  );

  // Say when a recalled parcel arrives at the desk (it moves between the lists live).
  const recalling = useRef(new Set<string>());
  useEffect(() => {
    for (const p of desk.data?.parcels ?? []) {
      if (recalling.current.delete(p.id)) setAnnouncement(`${p.tracking} is back at the desk.`);
    }
  }, [desk.data]);

  return (
    <div className={styles.page}>
      <LiveSubscriptions />
      <ConnectionBanner />
      <h1 className={styles.title}>Recall &amp; desk</h1>
      <div className={styles.toolbar}>
        <div className="field">
          <label htmlFor="desk-search">Search</label>
          <input
            id="desk-search"
            type="search"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            placeholder="Tracking, name, e-mail or student id"
            data-testid="desk-search"
          />
        </div>
      </div>
      <p className="visually-hidden" role="status" aria-live="polite">
        {announcement}
      </p>

      <section aria-labelledby="to-recall">
        <h2 id="to-recall" className={styles.panelTitle}>
          To recall from lockers <span className={styles.count}>({recallList.length})</span>
        </h2>
        <ListState result={recall} empty="No parcels to recall." count={recallList.length} />
        <ul className={styles.cards} data-testid="recall-list">
          {recallList.map((p) => (
            <RecallCard key={p.id} parcel={p} onOpened={() => recalling.current.add(p.id)} />
          ))}
        </ul>
      </section>

      <section aria-labelledby="at-desk">
        <h2 id="at-desk" className={styles.panelTitle} ref={deskHeading} tabIndex={-1}>
          At the desk <span className={styles.count}>({deskList.length})</span>
        </h2>
        <ListState result={desk} empty="No parcels at the desk." count={deskList.length} />
        <ul className={styles.cards} data-testid="desk-list">
          {deskList.map((p) => (
            <DeskCard
              key={p.id}
              parcel={p}
              onHandedOver={(name) => {
                setAnnouncement(`Handed over to ${name}.`);
                // The card goes away: keep keyboard focus in the list rather than losing it to the page.
                deskHeading.current?.focus();
              }}
            />
          ))}
        </ul>
      </section>
    </div>
  );
}

function ListState({
  result,
  empty,
  count,
}: {
  result: { fetching: boolean; error?: Parameters<typeof errorMessage>[0]; data?: unknown };
  empty: string;
  count: number;
}) {
  if (result.error && !result.data) {
    return (
      <p className="error" role="alert">
        {errorMessage(result.error)}
      </p>
    );
  }
  if (count > 0) return null;
  return <p className="hint">{result.fetching && !result.data ? 'Loading…' : empty}</p>;
}

function ParcelSummary({ parcel }: { parcel: Parcel }) {
  return (
    <>
      <h3 className={styles.cardTitle}>
        <span className={styles.mono}>{parcel.tracking}</span>
      </h3>
      <p>
        For <strong>{parcel.recipient.name}</strong> · {parcel.recipient.email}
        {parcel.recipient.studentId ? ` · ${parcel.recipient.studentId}` : ''}
      </p>
      <p className={styles.muted}>
        Size {parcel.size}
        {parcel.bank ? ` · ${parcel.bank.name}${parcel.compartment ? ` ${parcel.compartment.label}` : ''}` : ''}
        {parcel.expiresAt ? ` · pickup ended ${formatDeadline(parcel.expiresAt)}` : ''}
      </p>
    </>
  );
}

function RecallCard({ parcel, onOpened }: { parcel: Parcel; onOpened: () => void }) {
  const [{ fetching }, open] = useMutation(OpenForRecallMutation);
  const [opened, setOpened] = useState(false);
  // The command's deadline: received time + its ttlMs (null when the server sent none).
  const [openUntil, setOpenUntil] = useState<number | null>(null);
  const [commandLabel, setCommandLabel] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const seconds = useCountdown(openUntil);
  const door = parcel.compartment?.door;
  const [doorWasOpen, setDoorWasOpen] = useState(false);
  useEffect(() => {
    if (opened && door === 'OPEN') setDoorWasOpen(true);
  }, [opened, door]);

  const run = async () => {
    setError(null);
    const result = await open({ parcelId: parcel.id });
    if (result.error) {
      setError(errorMessage(result.error));
      return;
    }
    const outcome = result.data?.openForRecall;
    if (outcome?.__typename === 'ParcelActionOk') {
      setDoorWasOpen(false);
      setCommandLabel(outcome.command?.compartmentLabel ?? null);
      setOpenUntil(commandDeadline(outcome.command, Date.now()));
      setOpened(true);
      onOpened();
    } else if (outcome?.__typename === 'ParcelActionRefused') {
      setError(REFUSAL_TEXT[outcome.reason] ?? outcome.message);
    }
  };
  const label = commandLabel ?? parcel.compartment?.label ?? '';
  // The command lapsed and the door never opened: offer to try again.
  const lapsed = opened && openUntil !== null && seconds === 0 && door !== 'OPEN' && !doorWasOpen;
  const milestone = useCountdownMilestone(seconds, opened && openUntil !== null);
  // Read out when the door or the countdown reaches a milestone, not every second ("lapsed" is an alert of its own).
  const announcement =
    !opened || lapsed
      ? ''
      : door === 'OPEN'
        ? `Door ${label} is open — take the parcel out and close the door.`
        : doorWasOpen
          ? `Door ${label} is closed again — take the parcel back to the desk.`
          : milestone.milestone === 'start'
            ? `Door ${label} is opening — ${milestone.seconds} seconds to open it.`
            : milestone.milestone === 'last-seconds'
              ? `${milestone.seconds} seconds left to open door ${label}.`
              : `Door ${label} is opening.`;
  return (
    <li className={styles.card} data-testid={`parcel-${parcel.id}`} data-status={parcel.status}>
      <ParcelSummary parcel={parcel} />
      {opened && !lapsed ? (
        <p className={styles.live} data-testid="recall-progress" data-until={openUntil ?? undefined}>
          {door === 'OPEN'
            ? `Door ${label} is open — take the parcel out and close the door.`
            : doorWasOpen
              ? `Door ${label} is closed again — take the parcel back to the desk.`
              : openUntil !== null
                ? `Door ${label} is opening — ${seconds} s to open it; take the parcel back to the desk.`
                : `Door ${label} is opening… take the parcel back to the desk.`}
        </p>
      ) : (
        <>
          {lapsed && (
            <p className="error" role="alert" data-testid="recall-lapsed">
              Door {label} was not opened in time. Try again at the locker.
            </p>
          )}
          <button
            type="button"
            className="button"
            onClick={() => void run()}
            disabled={fetching}
            data-testid="recall-open"
          >
            {fetching ? 'Opening…' : lapsed ? `Open ${label} again` : `Open ${label} for recall`}
          </button>
        </>
      )}
      <p className="visually-hidden" role="status">
        {announcement}
      </p>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </li>
  );
}

function DeskCard({ parcel, onHandedOver }: { parcel: Parcel; onHandedOver: (name: string) => void }) {
  const [{ fetching }, handOver] = useMutation(HandOverAtDeskMutation);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const id = useId();
  useEffect(() => {
    if (confirming) confirmRef.current?.focus();
  }, [confirming]);

  const run = async () => {
    setError(null);
    const result = await handOver({ parcelId: parcel.id });
    if (result.error) {
      setError(errorMessage(result.error));
      return;
    }
    const outcome = result.data?.handOverAtDesk;
    if (outcome?.__typename === 'ParcelActionOk') onHandedOver(parcel.recipient.name);
    else if (outcome?.__typename === 'ParcelActionRefused') setError(REFUSAL_TEXT[outcome.reason] ?? outcome.message);
    setConfirming(false);
  };

  return (
    <li className={styles.card} data-testid={`parcel-${parcel.id}`} data-status={parcel.status}>
      <ParcelSummary parcel={parcel} />
      {parcel.deskReason && <p>Why at the desk: {DESK_REASON_LABEL[parcel.deskReason]}</p>}
      {confirming ? (
        <div className={styles.cardActions} role="group" aria-labelledby={`${id}-check`}>
          <p id={`${id}-check`}>
            Check their id card: <strong>{parcel.recipient.name}</strong>
            {parcel.recipient.studentId ? ` (${parcel.recipient.studentId})` : ''}
            {parcel.proxy ? ` or ${parcel.proxy.name}` : ''}.
          </p>
          <button
            ref={confirmRef}
            type="button"
            className="button"
            onClick={() => void run()}
            disabled={fetching}
            data-testid="handover-confirm"
          >
            {fetching ? 'Recording…' : 'Confirm hand-over'}
          </button>
          <button type="button" className="button button-secondary" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </div>
      ) : (
        <button type="button" className="button" onClick={() => setConfirming(true)} data-testid="handover">
          Hand over
        </button>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </li>
  );
}
