import { useEffect, useState } from 'react';
import { secondsUntil } from '@/features/parcels/describe';

/** Whole seconds left until `untilMs` (null: no countdown), re-rendering every second until it reaches 0. */
export function useCountdown(untilMs: number | null): number {
  const [now, setNow] = useState(() => Date.now());
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
