'use client';

import { useCallback, useEffect, useId, useMemo, useReducer, useRef, useState, type FormEvent } from 'react';
import { useClient, useMutation, useQuery, useSubscription } from 'urql';
import { BarcodeScanner } from '@/components/BarcodeScanner';
import { Icon } from '@/components/Icon';
import { WallClock } from '@/components/WallClock';
import { FullscreenButton } from '@/features/board/FullscreenButton';
import { byLabel } from '@/features/board/describe';
import { BankCompartmentUpdatedSubscription } from '@/features/intake/documents';
import { ReportDoorDidNotOpenMutation } from '@/features/parcels/documents';
import type { DoorState, RedeemPickupCodeMutation as RedeemPickupCodeResult } from '@/gql/graphql';
import { useCountdown, useCountdownMilestone } from '@/hooks/useCountdown';
import { useIdle } from '@/hooks/useIdle';
import { useSocketReconnected } from '@/hooks/useResyncOnReconnect';
import { errorCode, errorMessage } from '@/lib/errors';
import { useLiveSnapshot, type LiveStatus } from '@/lib/live-status';
import { useOnline } from '@/lib/use-online';
import { CourierDropoff } from './CourierDropoff';
import {
  KioskBankUpdatedSubscription,
  KioskSessionQuery,
  RedeemPickupCodeMutation,
  RedeemPickupQrMutation,
} from './documents';
import { Keypad } from './Keypad';
import { KioskGrid } from './KioskGrid';
import { formatCountdown, isComplete, keyAction, keypadReducer, type KeypadAction } from './keypad';
import styles from './kiosk.module.css';
import { PickupResult, PickupSteps } from './PickupResult';
import {
  COLLECTED_RESULT_MS,
  DoorHistory,
  isUnderway,
  pickupProgress,
  watchPickup,
  type DoorSnapshot,
  type PickupWatch,
} from './pickup-progress';

/** Back to the keypad after this long without a touch or key. */
export const KIOSK_IDLE_MS = 20_000;

/** Both redeem mutations select the same fields. */
type PickupAnswer = RedeemPickupCodeResult['redeemPickupCode'];

type Mode = 'keypad' | 'door-problem' | 'courier';

type Outcome =
  /** A code or QR was accepted: the kiosk follows that door (pickup-progress.ts). */
  { kind: 'opened'; watch: PickupWatch } | { kind: 'refused'; message: string } | { kind: 'info'; message: string };

interface Props {
  bankId: string;
  live: LiveStatus | null;
  /** The credential stopped working (kioskSession answered null). */
  onInvalid: () => void;
}

/** The locker's touchscreen: keypad, QR scan, door problems and courier drop-off, with the bank's live grid. */
export function KioskScreen({ bankId, live, onInvalid }: Props) {
  const [result, reexecute] = useQuery({ query: KioskSessionQuery, requestPolicy: 'cache-and-network' });
  useSubscription({ query: KioskBankUpdatedSubscription });
  const snapshot = useLiveSnapshot(live);
  useSocketReconnected(snapshot.socket, () => reexecute({ requestPolicy: 'network-only' }));
  const online = useOnline();

  const session = result.data?.kioskSession;
  const sessionMissing = result.data !== undefined && !result.stale && session === null;
  useEffect(() => {
    if (sessionMissing) onInvalid();
  }, [sessionMissing, onInvalid]);

  const bank = session?.bank;
  const compartments = bank?.compartments;
  const doors = useMemo(() => new Map((compartments ?? []).map((c) => [c.label, c.door])), [compartments]);
  const doorFor = useCallback((label: string): DoorState | undefined => doors.get(label), [doors]);
  const labels = useMemo(() => [...(compartments ?? [])].sort(byLabel).map((c) => c.label), [compartments]);

  // Every version of every compartment this kiosk receives, straight from the
  // subscription (so none is lost to React batching two quick updates into one
  // render) and from each (re-)query: a pickup is followed from these.
  const client = useClient();
  const [history] = useState(() => new DoorHistory());
  const [historyVersion, historyChanged] = useReducer((n: number) => n + 1, 0);
  const remember = useCallback(
    (c: DoorSnapshot & { label: string }) => {
      if (history.record(c.label, c)) historyChanged();
    },
    [history],
  );
  useEffect(() => {
    const subscription = client.subscription(BankCompartmentUpdatedSubscription, { bankId }).subscribe((update) => {
      const c = update.data?.compartmentUpdated;
      if (c) remember(c);
    });
    return () => subscription.unsubscribe();
  }, [client, bankId, remember]);
  useEffect(() => {
    for (const c of compartments ?? []) remember(c);
  }, [compartments, remember]);
  /** What the kiosk knows of each door just before it sends a code: only newer versions tell what the door did. */
  const doorsNow = useCallback(() => new Map(labels.map((l) => [l, history.newest(l)])), [labels, history]);

  const [mode, setMode] = useState<Mode>('keypad');
  const [digits, setDigits] = useState('');
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [lastOpened, setLastOpened] = useState<string | null>(null);
  // Codes and QR scans have separate guess budgets on the server (a keypad flood never stops QR pickup): separate locks.
  const [lockedUntil, setLockedUntil] = useState<number | null>(null);
  const [qrLockedUntil, setQrLockedUntil] = useState<number | null>(null);
  const qrLocked = useCountdown(qrLockedUntil) > 0;
  const [scanning, setScanning] = useState(false);
  const lockSeconds = useCountdown(lockedUntil);
  const locked = lockSeconds > 0;
  const lockMilestone = useCountdownMilestone(lockSeconds, lockedUntil !== null);
  const [{ fetching: redeemingCode }, redeemCode] = useMutation(RedeemPickupCodeMutation);
  const [{ fetching: redeemingQr }, redeemQr] = useMutation(RedeemPickupQrMutation);
  const busy = redeemingCode || redeemingQr;
  const resultRef = useRef<HTMLDivElement>(null);

  const reset = useCallback(() => {
    setMode('keypad');
    setDigits('');
    setOutcome(null);
    setScanning(false);
  }, []);

  const showPickup = useCallback(
    (answer: PickupAnswer | undefined, secret: 'code' | 'qr', before: ReadonlyMap<string, DoorSnapshot | null>) => {
      if (!answer) return;
      if (answer.__typename === 'PickupOpened') {
        const label = answer.compartmentLabel;
        setOutcome({
          kind: 'opened',
          watch: watchPickup(label, before.get(label) ?? null, answer.command, Date.now()),
        });
        setLastOpened(label);
      } else if (answer.__typename === 'PickupRefused') {
        setOutcome({ kind: 'refused', message: answer.message });
        if (answer.retryAfterSeconds)
          (secret === 'code' ? setLockedUntil : setQrLockedUntil)(Date.now() + answer.retryAfterSeconds * 1000);
      }
      setTimeout(() => resultRef.current?.focus(), 0);
    },
    [],
  );

  // The door of an accepted pickup, step by step; the clock ticks only while it may still change on its own.
  const watch = outcome?.kind === 'opened' ? outcome.watch : null;
  const [now, setNow] = useState(() => Date.now());
  const pickup = useMemo(
    () => (watch ? pickupProgress(watch, history.of(watch.label), Math.max(now, watch.answeredAt)) : null),
    // The history is mutable: its version says when it changed.
    [watch, history, historyVersion, now],
  );
  const underway = pickup !== null && isUnderway(pickup);
  useEffect(() => {
    if (!underway) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, [underway]);
  // Collected: thank the person, then back to the bare keypad. Other endings stay until the screen goes idle.
  const collected = pickup?.step === 'collected';
  useEffect(() => {
    if (!collected) return;
    const timer = setTimeout(
      () => setOutcome((o) => (o?.kind === 'opened' && o.watch === watch ? null : o)),
      COLLECTED_RESULT_MS,
    );
    return () => clearTimeout(timer);
  }, [collected, watch]);

  // Never back to the keypad while a door is opening or open: the person is at it.
  useIdle(
    KIOSK_IDLE_MS,
    reset,
    mode !== 'courier' && !underway && (mode !== 'keypad' || digits !== '' || outcome !== null || scanning),
  );

  const requestFailed = useCallback((error: Parameters<typeof errorMessage>[0]) => {
    const code = errorCode(error);
    setOutcome({
      kind: 'refused',
      message:
        code === 'NETWORK'
          ? 'This locker cannot reach the server right now. Try again in a moment, or go to the mailroom desk.'
          : code === 'RATE_LIMITED'
            ? 'Too many attempts. Wait a minute, then try again.'
            : errorMessage(error),
    });
    setTimeout(() => resultRef.current?.focus(), 0);
  }, []);

  const submit = useCallback(async () => {
    if (!isComplete(digits) || locked || busy) return;
    setOutcome(null);
    const before = doorsNow();
    const answer = await redeemCode({ code: digits });
    setDigits('');
    if (answer.error) requestFailed(answer.error);
    else showPickup(answer.data?.redeemPickupCode, 'code', before);
  }, [digits, locked, busy, redeemCode, requestFailed, showPickup, doorsNow]);

  const onKeypad = useCallback((action: KeypadAction) => {
    setOutcome((o) => (o?.kind === 'opened' ? o : null));
    setDigits((d) => keypadReducer(d, action));
  }, []);

  // The physical keyboard works on the keypad screen: digits, Backspace, Escape, Enter.
  useEffect(() => {
    if (mode !== 'keypad' || scanning) return;
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      if (target?.closest('input, textarea, select, dialog')) return;
      const action = keyAction(event.key);
      if (!action || event.ctrlKey || event.metaKey || event.altKey) return;
      // Enter on a focused button activates that button; only Enter elsewhere submits.
      if (action === 'submit') {
        if (target?.closest('button, a')) return;
        event.preventDefault();
        void submit();
        return;
      }
      if (locked) return;
      event.preventDefault();
      onKeypad(action);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [mode, scanning, locked, submit, onKeypad]);

  const onQr = async (token: string) => {
    setScanning(false);
    setOutcome(null);
    const before = doorsNow();
    const answer = await redeemQr({ token });
    if (answer.error) requestFailed(answer.error);
    else showPickup(answer.data?.redeemPickupQr, 'qr', before);
  };

  const onCourierExit = useCallback((message?: string) => {
    setMode('keypad');
    setOutcome(message ? { kind: 'info', message } : null);
  }, []);

  const notLive = !online || !snapshot.serverReachable || snapshot.socket === 'reconnecting';

  return (
    <div className={styles.kiosk}>
      <header className={styles.head}>
        <div>
          <h1 className={styles.bankName} data-testid="kiosk-bank-name">
            {bank?.name ?? 'Baylight locker'}
          </h1>
          {bank?.location && <p className={styles.location}>{bank.location}</p>}
        </div>
        <div className={styles.headRight}>
          <WallClock />
          <FullscreenButton />
        </div>
      </header>

      {notLive && (
        <p className={styles.offline} role="status" data-testid="kiosk-offline">
          <Icon name="offline" /> This locker has lost its connection. Codes cannot be checked until it is back — please
          try again shortly or go to the mailroom desk.
        </p>
      )}
      {result.error && !session && (
        <p className="error" role="alert">
          {errorMessage(result.error)}
        </p>
      )}

      <div className={styles.body}>
        <div className={styles.main}>
          {mode === 'courier' && bank ? (
            <CourierDropoff bankId={bankId} bankName={bank.name} doorFor={doorFor} onExit={onCourierExit} />
          ) : mode === 'door-problem' ? (
            <DoorProblem
              bankId={bankId}
              labels={labels}
              initialLabel={lastOpened}
              onDone={(message) => {
                setMode('keypad');
                setOutcome({ kind: 'info', message });
                setTimeout(() => resultRef.current?.focus(), 0);
              }}
              onCancel={() => setMode('keypad')}
            />
          ) : (
            <h2 className={styles.prompt}>Collect a parcel: type your 8-digit code</h2>
          )}

          {/* Results first, where the eyes are; read out at once. */}
          <div
            ref={resultRef}
            tabIndex={-1}
            className={styles.resultArea}
            aria-live="assertive"
            aria-atomic="true"
            data-testid="kiosk-live"
          >
            {outcome && mode !== 'courier' && (
              <div
                className={styles.result}
                data-testid="kiosk-result"
                data-outcome={outcome.kind}
                data-label={outcome.kind === 'opened' ? outcome.watch.label : undefined}
                data-phase={pickup?.step}
              >
                {outcome.kind === 'opened' ? (
                  pickup && <PickupResult label={outcome.watch.label} progress={pickup} />
                ) : (
                  <p className={outcome.kind === 'refused' ? styles.refused : styles.info}>{outcome.message}</p>
                )}
                {locked && outcome.kind === 'refused' && <LockNotice seconds={lockSeconds} />}
              </div>
            )}
            {locked && mode === 'keypad' && outcome?.kind !== 'refused' && (
              <div className={styles.result} data-outcome="refused">
                <LockNotice seconds={lockSeconds} />
              </div>
            )}
          </div>

          {watch && pickup && mode === 'keypad' && <PickupSteps label={watch.label} progress={pickup} />}

          {/* The lockout is read out when it starts, with 10 s left and when it ends, not every second. */}
          <p className="visually-hidden" role="status">
            {lockMilestone.milestone === 'start'
              ? `The keypad is locked for ${formatCountdown(lockMilestone.seconds)}. A pickup QR can still be scanned.`
              : lockMilestone.milestone === 'last-seconds'
                ? `${lockMilestone.seconds} seconds until you can try again.`
                : lockMilestone.milestone === 'over'
                  ? 'The keypad is unlocked: you can type a code again.'
                  : ''}
          </p>

          {mode === 'keypad' && (
            <Keypad digits={digits} disabled={locked} busy={busy} onAction={onKeypad} onSubmit={() => void submit()} />
          )}

          {mode === 'keypad' && (
            <div className={styles.actions}>
              <button
                type="button"
                className={`button button-secondary ${styles.big}`}
                onClick={() => setScanning(true)}
                disabled={busy || qrLocked}
                data-testid="kiosk-scan"
              >
                Scan QR code
              </button>
              <button
                type="button"
                className={`button button-secondary ${styles.big}`}
                onClick={() => {
                  setOutcome(null);
                  setMode('door-problem');
                }}
                data-testid="kiosk-door-problem"
              >
                Door did not open?
              </button>
              <button
                type="button"
                className={`button button-secondary ${styles.big}`}
                onClick={() => {
                  setOutcome(null);
                  setDigits('');
                  setMode('courier');
                }}
                disabled={!bank}
                data-testid="kiosk-courier-start"
              >
                Courier drop-off
              </button>
            </div>
          )}
        </div>

        <aside className={styles.side} aria-label="Compartments">
          <h2 className={styles.sideTitle}>Compartments</h2>
          {compartments ? (
            <KioskGrid compartments={compartments} highlight={watch?.label ?? null} />
          ) : (
            <p className="hint">{result.fetching ? 'Loading…' : ''}</p>
          )}
        </aside>
      </div>

      <BarcodeScanner
        open={scanning}
        qrOnly
        title="Hold your pickup QR code up to the camera"
        fallback="type the 8-digit code on the keypad"
        onClose={() => setScanning(false)}
        onResult={(text) => void onQr(text)}
      />
    </div>
  );
}

function LockNotice({ seconds }: { seconds: number }) {
  return (
    // Seen, not read out every second: the status line beside the keypad announces the milestones.
    <p className={styles.lockLine} data-testid="kiosk-locked" aria-hidden="true">
      The keypad is locked for {formatCountdown(seconds)}.
    </p>
  );
}

function DoorProblem({
  bankId,
  labels,
  initialLabel,
  onDone,
  onCancel,
}: {
  bankId: string;
  labels: readonly string[];
  initialLabel: string | null;
  onDone: (message: string) => void;
  onCancel: () => void;
}) {
  const id = useId();
  const [label, setLabel] = useState(initialLabel ?? '');
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [{ fetching }, report] = useMutation(ReportDoorDidNotOpenMutation);
  const selectRef = useRef<HTMLSelectElement>(null);
  useEffect(() => selectRef.current?.focus(), []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!label) {
      setError('Choose the compartment whose door did not open.');
      selectRef.current?.focus();
      return;
    }
    setError(null);
    const answer = await report({ bankId, compartmentLabel: label, note: note.trim() || null });
    if (answer.error) {
      setError(errorMessage(answer.error));
      return;
    }
    onDone(`Thank you — staff have been alerted about door ${label}. Please wait here or go to the mailroom desk.`);
  };

  return (
    <form className={styles.doorForm} onSubmit={(e) => void submit(e)} noValidate aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Door did not open?</h2>
      <div className="field">
        <label htmlFor={`${id}-label`}>Which compartment?</label>
        <select
          ref={selectRef}
          id={`${id}-label`}
          value={label}
          onChange={(e) => setLabel(e.target.value)}
          className={styles.bigSelect}
          data-testid="kiosk-door-label"
        >
          <option value="">Choose…</option>
          {labels.map((l) => (
            <option key={l} value={l}>
              {l}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-note`}>Anything else? (optional)</label>
        <textarea
          id={`${id}-note`}
          rows={2}
          maxLength={300}
          value={note}
          onChange={(e) => setNote(e.target.value)}
          data-testid="kiosk-door-note"
        />
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className={styles.actions}>
        <button type="submit" className={`button ${styles.big}`} disabled={fetching} data-testid="kiosk-door-submit">
          {fetching ? 'Sending…' : 'Tell staff'}
        </button>
        <button type="button" className={`button button-secondary ${styles.big}`} onClick={onCancel}>
          Back
        </button>
      </div>
    </form>
  );
}
