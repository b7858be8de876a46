'use client';

import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent, type ReactNode } from 'react';
import { useMutation } from 'urql';
import { BarcodeScanner } from '@/components/BarcodeScanner';
import type { CompartmentSize, DoorState, IntakeParcelInput } from '@/gql/graphql';
import { errorCode, errorMessage } from '@/lib/errors';
import { IntakeParcelMutation } from './documents';
import { IntakeResult, type IntakeOutcome } from './IntakeResult';
import { RecipientSearch, type Recipient } from './RecipientSearch';
import { SIZES, normaliseTracking, sizeForKey } from './deposit';
import styles from './intake.module.css';

const SIZE_HINT: Record<CompartmentSize, string> = {
  S: 'envelope, small box',
  M: 'shoebox',
  L: 'backpack-sized',
  XL: 'large box',
};

interface Props {
  /** Bank to use: the bank to try first (desk) or the drop-off bank (courier, kiosk). */
  bankId: string | null;
  /** Couriers must name a bank; say so before asking the server. */
  requireBank?: boolean;
  /** Extra fields inside the form, e.g. the courier's bank choice. */
  bankField?: ReactNode;
  /** What to tell the person when the server answers FORBIDDEN. */
  forbiddenText?: string;
  /** Called on every key press and click: the kiosk's inactivity timer. */
  onActivity?: () => void;
  /** Live door state from a grid the caller already watches. */
  doorFor?: (label: string) => DoorState | undefined;
  /** Called after each successful intake (e.g. to refresh a list). */
  onTakenIn?: (outcome: IntakeOutcome) => void;
  submitLabel?: string;
  /** A courier finds a recipient only by exactly what the label shows (the server answers nothing else). */
  exactRecipientMatch?: boolean;
  /**
   * Offered when a courier's bank cannot take the parcel and another of theirs can: switches the
   * drop-off bank; the form keeps the parcel's details, so "Take in" there is one press.
   */
  onChooseBank?: (bankId: string) => void;
}

type FieldErrors = { tracking?: string; recipient?: string; bank?: string; form?: string };

/**
 * Keyboard-first intake: tracking (Enter moves on) → recipient (arrows, Enter)
 * → size (keys 1–4) → Take in. The result stays on screen while the form is
 * ready, focused on tracking, for the next parcel.
 */
export function IntakeForm({
  bankId,
  requireBank = false,
  bankField,
  forbiddenText,
  onActivity,
  doorFor,
  onTakenIn,
  submitLabel = 'Take in',
  exactRecipientMatch = false,
  onChooseBank,
}: Props) {
  const id = useId();
  const [tracking, setTracking] = useState('');
  const [recipient, setRecipient] = useState<Recipient | null>(null);
  const [size, setSize] = useState<CompartmentSize>('M');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [outcome, setOutcome] = useState<IntakeOutcome | null>(null);
  const [lastInput, setLastInput] = useState<IntakeParcelInput | null>(null);
  const [scanning, setScanning] = useState(false);
  const [nonce, setNonce] = useState(0);
  const [{ fetching }, intake] = useMutation(IntakeParcelMutation);

  const trackingRef = useRef<HTMLInputElement>(null);
  const recipientRef = useRef<HTMLInputElement>(null);
  const submitRef = useRef<HTMLButtonElement>(null);
  const forceRef = useRef<HTMLButtonElement>(null);
  const resultRef = useRef<HTMLDivElement>(null);
  const focusNext = useRef<'tracking' | 'force' | null>(null);

  // After a result, move focus where the next step is (once the DOM shows it).
  useEffect(() => {
    if (focusNext.current && outcome) resultRef.current?.scrollIntoView({ block: 'nearest' });
    // Without scrolling: the result stays in view while the next tracking number is typed or scanned.
    if (focusNext.current === 'tracking') trackingRef.current?.focus({ preventScroll: true });
    if (focusNext.current === 'force') forceRef.current?.focus();
    focusNext.current = null;
  }, [outcome, nonce]);

  const resetForNext = () => {
    setTracking('');
    setRecipient(null);
    setSize('M');
    setNonce((n) => n + 1); // remounts the recipient box empty
    focusNext.current = 'tracking';
  };

  const send = async (input: IntakeParcelInput) => {
    setErrors({});
    const result = await intake({ input });
    if (result.error) {
      const code = errorCode(result.error);
      const field = result.error.graphQLErrors[0]?.extensions?.field;
      if (code === 'NOT_FOUND') {
        setErrors({ recipient: 'That recipient is not in Baylight any more. Search again and choose someone else.' });
        recipientRef.current?.focus();
      } else if (code === 'BAD_USER_INPUT' && field === 'tracking') {
        setErrors({ tracking: errorMessage(result.error) });
        trackingRef.current?.focus();
      } else if (code === 'BAD_USER_INPUT' && (field === 'bankId' || field === 'bankIds')) {
        setErrors({ bank: errorMessage(result.error) });
      } else {
        setErrors({
          form: errorMessage(result.error, {
            FORBIDDEN: forbiddenText ?? 'Your account cannot take in parcels. Ask an administrator.',
          }),
        });
      }
      return;
    }
    const answer = result.data?.intakeParcel;
    if (!answer) return;
    setOutcome(answer);
    setLastInput(input);
    if (answer.__typename === 'DuplicateTracking') {
      focusNext.current = 'force';
    } else if (answer.__typename === 'CourierBankFull') {
      // Nothing was taken in: the courier keeps the parcel and its details stay in the form.
      focusNext.current = null;
    } else {
      onTakenIn?.(answer);
      resetForNext();
    }
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    onActivity?.();
    const value = normaliseTracking(tracking);
    const next: FieldErrors = {};
    if (!value) next.tracking = 'Scan or type the tracking number.';
    if (!recipient) next.recipient = 'Choose who the parcel is for.';
    if (requireBank && !bankId) next.bank = 'Choose the locker bank you are at.';
    if (next.tracking || next.recipient || next.bank) {
      setErrors(next);
      if (next.tracking) trackingRef.current?.focus();
      else if (next.recipient) recipientRef.current?.focus();
      return;
    }
    void send({ tracking: value, recipientId: recipient!.id, size, force: false, ...(bankId ? { bankId } : {}) });
  };

  const force = () => {
    if (!lastInput) return;
    onActivity?.();
    void send({ ...lastInput, force: true });
  };

  // Keys 1–4 pick the size anywhere in the form except while typing in a text field.
  const onFormKeyDown = (event: KeyboardEvent<HTMLFormElement>) => {
    onActivity?.();
    const target = event.target as HTMLElement;
    const typing =
      target instanceof HTMLInputElement
        ? !['radio', 'checkbox', 'button', 'submit'].includes(target.type)
        : target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement;
    if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
    const picked = sizeForKey(event.key);
    if (picked) {
      event.preventDefault();
      setSize(picked);
    }
  };

  return (
    <div className={styles.intake}>
      <form
        className={styles.form}
        onSubmit={submit}
        onKeyDown={onFormKeyDown}
        onPointerDown={onActivity}
        noValidate
        aria-label="Take in a parcel"
      >
        {/* A courier says where they are first; the desk's bank choice is optional and sits lower. */}
        {requireBank && bankField}
        <div className={styles.trackingRow}>
          <div className="field">
            <label htmlFor={`${id}-tracking`}>Tracking number</label>
            <input
              ref={trackingRef}
              id={`${id}-tracking`}
              type="text"
              autoFocus
              autoComplete="off"
              spellCheck={false}
              autoCapitalize="characters"
              value={tracking}
              onChange={(e) => setTracking(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter') {
                  e.preventDefault();
                  recipientRef.current?.focus();
                }
              }}
              aria-invalid={errors.tracking ? true : undefined}
              aria-describedby={errors.tracking ? `${id}-tracking-error` : undefined}
              data-testid="intake-tracking"
            />
          </div>
          <button
            type="button"
            className="button button-secondary"
            onClick={() => setScanning(true)}
            data-testid="intake-scan"
          >
            Scan
          </button>
        </div>
        {errors.tracking && (
          <p id={`${id}-tracking-error`} className="error" role="alert">
            {errors.tracking}
          </p>
        )}

        <RecipientSearch
          key={nonce}
          inputRef={recipientRef}
          selected={recipient}
          onSelect={(person) => {
            setRecipient(person);
            setErrors((e) => ({ ...e, recipient: undefined }));
            // At once, so a key typed right after Enter (keys 1–4) does not land in the search box.
            if (person) submitRef.current?.focus();
          }}
          error={errors.recipient}
          onActivity={onActivity}
          exactMatch={exactRecipientMatch}
        />

        <fieldset className={styles.sizes}>
          <legend>
            Size <span className={styles.keys}>(keys 1–4)</span>
          </legend>
          <div className={styles.sizeRow}>
            {SIZES.map((s, i) => (
              <label
                key={s}
                className={styles.size}
                data-testid={`intake-size-${s}`}
                data-checked={size === s || undefined}
              >
                <input
                  type="radio"
                  name={`${id}-size`}
                  value={s}
                  checked={size === s}
                  onChange={() => setSize(s)}
                  className="visually-hidden"
                />
                <span className={styles.sizeName}>{s}</span>
                <span className={styles.sizeHint}>
                  {i + 1} · {SIZE_HINT[s]}
                </span>
              </label>
            ))}
          </div>
        </fieldset>

        {!requireBank && bankField}
        {errors.bank && (
          <p className="error" role="alert">
            {errors.bank}
          </p>
        )}

        {errors.form && (
          <p className="error" role="alert" data-testid="intake-error">
            {errors.form}
          </p>
        )}

        <button
          ref={submitRef}
          type="submit"
          className={`button ${styles.submit}`}
          disabled={fetching}
          data-testid="intake-submit"
        >
          {fetching ? 'Taking in…' : submitLabel}
        </button>
      </form>

      <div ref={resultRef} aria-live="polite" className={styles.resultArea}>
        {outcome && (
          <IntakeResult
            key={
              outcome.__typename === 'DuplicateTracking'
                ? `duplicate:${outcome.existing?.id ?? lastInput?.tracking ?? ''}`
                : outcome.__typename === 'CourierBankFull'
                  ? `full:${outcome.bank.id}:${lastInput?.tracking ?? ''}`
                  : outcome.parcel.id
            }
            outcome={outcome}
            doorFor={doorFor}
            onForce={force}
            forcing={fetching}
            forceRef={forceRef}
            onChooseBank={
              onChooseBank
                ? (chosen) => {
                    setOutcome(null);
                    onChooseBank(chosen);
                    submitRef.current?.focus();
                  }
                : undefined
            }
          />
        )}
      </div>

      <BarcodeScanner
        open={scanning}
        title="Scan the tracking barcode"
        fallback="type the tracking number"
        onClose={() => {
          setScanning(false);
          trackingRef.current?.focus();
        }}
        onResult={(text) => {
          setScanning(false);
          setTracking(text);
          setTimeout(() => recipientRef.current?.focus(), 0);
        }}
      />
    </div>
  );
}
