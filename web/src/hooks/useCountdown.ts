import { useEffect, useState } from 'react';
import { secondsUntil } from '@/features/parcels/describe';

/** Whole seconds left until `untilMs` (null: no countdown), re-rendering every second until it reaches 0. */
export function useCountdown(untilMs: number | null): number {
  const [ticked, setNow] = useState(() => Date.now());
  // A new deadline is measured from now, not from when the last countdown stopped ticking: already in this
  // render, so whatever reads the first value (an announcement) gets the true one.
  const [measuredFor, setMeasuredFor] = useState(untilMs);
  let now = ticked;
  if (measuredFor !== untilMs) {
    now = Date.now();
    setMeasuredFor(untilMs);
    setNow(now);
  }
  useEffect(() => {
    if (untilMs === null) return;
    setNow(Date.now());
    const timer = setInterval(() => {
      const t = Date.now();
      setNow(t);
      if (t >= untilMs) clearInterval(timer);
    }, 250);
    return () => clearInterval(timer);
  }, [untilMs]);
  return untilMs === null ? 0 : secondsUntil(untilMs, now);
}

/** When a countdown is worth announcing: when it starts, with 10 s left, and when it is over. */
export type CountdownMilestone = 'start' | 'last-seconds' | 'over';

/** Seconds left at which "10 seconds left" is announced. */
export const LAST_SECONDS = 10;

export function countdownMilestone(seconds: number): CountdownMilestone {
  if (seconds <= 0) return 'over';
  return seconds > LAST_SECONDS ? 'start' : 'last-seconds';
}

/**
 * For a live region beside a visible countdown: the milestone (null while `active` is false) and the seconds
 * left when it was reached. Both change only at a milestone, so a screen reader hears the start, 10 s left and
 * the end instead of every second.
 */
export function useCountdownMilestone(
  seconds: number,
  active: boolean,
): { milestone: CountdownMilestone | null; seconds: number } {
  const milestone = active ? countdownMilestone(seconds) : null;
  const [reached, setReached] = useState<{ milestone: CountdownMilestone | null; seconds: number }>({
    milestone,
    seconds,
  });
  if (reached.milestone !== milestone) {
    // Adjusting state while rendering: React re-renders at once, before anything is shown.
    setReached({ milestone, seconds });
    return { milestone, seconds };
  }
  return reached;
}
