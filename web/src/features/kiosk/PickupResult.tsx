import { Icon, type IconName } from '@/components/Icon';
import styles from './kiosk.module.css';
import type { PickupStep } from './pickup-progress';

type StepState = 'done' | 'current' | 'todo' | 'failed';

interface StepItem {
  text: string;
  state: StepState;
}

/** Read after each step's name, so the list makes sense without its ticks and colours. */
const STATE_WORDS: Record<StepState, string> = {
  done: 'done',
  current: 'now',
  todo: 'not yet',
  failed: 'did not happen',
};

/** The four steps of a pickup and where this one is. */
export function pickupSteps(progress: PickupStep): StepItem[] {
  const accepted: StepItem = { text: 'Code accepted', state: 'done' };
  switch (progress.step) {
    case 'waiting':
      return [
        accepted,
        { text: 'Door opening', state: 'current' },
        { text: 'Door closed', state: 'todo' },
        { text: 'Parcel collected', state: 'todo' },
      ];
    case 'open':
      return [
        accepted,
        { text: 'Door open', state: 'done' },
        { text: 'Close the door', state: 'current' },
        { text: 'Parcel collected', state: 'todo' },
      ];
    case 'collected':
      return [
        accepted,
        { text: 'Door open', state: 'done' },
        { text: 'Door closed', state: 'done' },
        { text: 'Parcel collected', state: 'done' },
      ];
    case 'left-inside':
      return [
        accepted,
        { text: 'Door open', state: 'done' },
        { text: 'Door closed', state: 'done' },
        { text: 'Parcel still inside', state: 'failed' },
      ];
    case 'not-opened':
      return [
        accepted,
        { text: 'Door did not open', state: 'failed' },
        { text: 'Door closed', state: 'todo' },
        { text: 'Parcel collected', state: 'todo' },
      ];
  }
}

interface Message {
  icon: IconName;
  headline: string;
  detail: string;
  tone: 'go' | 'done' | 'problem';
}

export function pickupMessage(label: string, progress: PickupStep): Message {
  switch (progress.step) {
    case 'waiting':
      return progress.slow
        ? {
            icon: 'doorOpen',
            headline: `Door ${label} has not opened yet`,
            detail: `Wait a moment by door ${label}. If it stays shut, tap “Door did not open?” below.`,
            tone: 'go',
          }
        : {
            icon: 'doorOpen',
            headline: `Opening door ${label}…`,
            detail: `Go to door ${label}: it unlocks in a moment.`,
            tone: 'go',
          };
    case 'open':
      return {
        icon: 'doorOpen',
        headline: `Door ${label} is open`,
        detail: 'Take your parcel, then close the door.',
        tone: 'go',
      };
    case 'collected':
      return {
        icon: 'check',
        headline: `Thank you — door ${label} is closed`,
        detail: 'Your parcel is collected.',
        tone: 'done',
      };
    case 'left-inside':
      return {
        icon: 'box',
        headline: `Door ${label} closed with your parcel still inside`,
        detail: 'It is still waiting for you. Type your code again to reopen the door, or ask at the mailroom desk.',
        tone: 'problem',
      };
    case 'not-opened':
      return {
        icon: 'alert',
        headline: `Door ${label} did not open`,
        detail:
          progress.reason === 'fault'
            ? 'The locker reported a fault with this door. Your parcel is still waiting: tap “Door did not open?” to tell staff, or go to the mailroom desk.'
            : 'Your parcel is still waiting. Try your code again, or tap “Door did not open?” to tell staff.',
        tone: 'problem',
      };
  }
}

/** What the door did: a headline and what to do now. Inside the kiosk's assertive live region, so read at each step. */
export function PickupResult({ label, progress }: { label: string; progress: PickupStep }) {
  const message = pickupMessage(label, progress);
  return (
    <>
      <p className={message.tone === 'go' ? styles.opened : styles.closed} data-tone={message.tone}>
        <Icon name={message.icon} /> <span data-testid="kiosk-result-headline">{message.headline}</span>
      </p>
      <p data-testid="kiosk-result-detail">{message.detail}</p>
    </>
  );
}

/**
 * The steps so far, seen beside the headline. Outside the live region: a
 * screen reader's cursor finds them, but they are not read out again at each step.
 */
export function PickupSteps({ label, progress }: { label: string; progress: PickupStep }) {
  return (
    <ol className={styles.steps} aria-label={`Pickup at door ${label}`} data-testid="kiosk-steps">
      {pickupSteps(progress).map((s) => (
        <li key={s.text} data-state={s.state}>
          <span className={styles.stepMark} aria-hidden="true">
            {s.state === 'done' ? '✓' : s.state === 'failed' ? '✕' : s.state === 'current' ? '●' : '○'}
          </span>
          {s.text}
          <span className="visually-hidden">: {STATE_WORDS[s.state]}</span>
        </li>
      ))}
    </ol>
  );
}
