'use client';

import { Icon } from '@/components/Icon';
import { CODE_LENGTH, isComplete, slots, type KeypadAction } from './keypad';
import styles from './kiosk.module.css';

const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;

interface Props {
  digits: string;
  disabled: boolean;
  busy: boolean;
  onAction: (action: KeypadAction) => void;
  onSubmit: () => void;
}

/** The on-screen keypad: every key at least 64 px, the display grouped 4 + 4. */
export function Keypad({ digits, disabled, busy, onAction, onSubmit }: Props) {
  const [first, second] = slots(digits);
  return (
    <div className={styles.keypad}>
      <p className="visually-hidden" id="kiosk-code-help">
        Type the 8-digit pickup code from your e-mail or the Baylight app, then press Open.
      </p>
      <div
        className={styles.display}
        role="group"
        aria-label={`Pickup code: ${digits.length} of ${CODE_LENGTH} digits entered`}
        data-testid="kiosk-display"
        data-length={digits.length}
      >
        {[first, second].map((group, g) => (
          <span key={g} className={styles.group}>
            {group.map((d, i) => (
              <span key={i} className={styles.slot} data-filled={d !== '' || undefined} aria-hidden="true">
                {d}
              </span>
            ))}
          </span>
        ))}
      </div>
      <div className={styles.keys} role="group" aria-label="Keypad" aria-describedby="kiosk-code-help">
        {KEYS.map((k) => (
          <button
            key={k}
            type="button"
            className={styles.key}
            onClick={() => onAction({ type: 'digit', digit: k })}
            disabled={disabled || digits.length >= CODE_LENGTH}
            data-testid={`kiosk-key-${k}`}
          >
            {k}
          </button>
        ))}
        <button
          type="button"
          className={`${styles.key} ${styles.keyMuted}`}
          onClick={() => onAction({ type: 'clear' })}
          disabled={disabled || digits.length === 0}
          data-testid="kiosk-key-clear"
        >
          Clear
        </button>
        <button
          type="button"
          className={styles.key}
          onClick={() => onAction({ type: 'digit', digit: '0' })}
          disabled={disabled || digits.length >= CODE_LENGTH}
          data-testid="kiosk-key-0"
        >
          0
        </button>
        <button
          type="button"
          className={`${styles.key} ${styles.keyMuted}`}
          onClick={() => onAction({ type: 'back' })}
          disabled={disabled || digits.length === 0}
          aria-label="Delete last digit"
          data-testid="kiosk-key-back"
        >
          ⌫
        </button>
      </div>
      <button
        type="button"
        className={`button ${styles.submit}`}
        onClick={onSubmit}
        disabled={disabled || busy || !isComplete(digits)}
        data-testid="kiosk-submit"
      >
        <Icon name="doorOpen" /> {busy ? 'Checking…' : 'Open'}
      </button>
    </div>
  );
}
