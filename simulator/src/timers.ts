/**
 * Timers for delays that may exceed what setTimeout takes. Node (like
 * browsers) turns any delay above 2^31 − 1 ms (about 24.8 days) into 1 ms, so
 * `setTimeout(fn, ttlMs)` with a revocation's ttlMs of a month would fire at
 * once. Delays that come from the server (ttlMs is a SafeInt) or from the
 * operator go through here.
 */

/** The longest delay setTimeout honours. */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export interface LongTimer {
  cancel(): void;
}

/**
 * Calls `fn` once after `delayMs` (any finite, non-negative number; longer
 * delays are chained in steps of MAX_TIMEOUT_MS). Infinity never fires.
 * `unref` lets the process exit while it waits.
 */
export function setLongTimeout(fn: () => void, delayMs: number, options: { unref?: boolean } = {}): LongTimer {
  let timer: NodeJS.Timeout | undefined;
  let cancelled = false;
  if (Number.isNaN(delayMs) || delayMs === Infinity) return { cancel: () => {} };
  let remaining = Math.max(0, delayMs);
  const arm = () => {
    const step = Math.min(remaining, MAX_TIMEOUT_MS);
    timer = setTimeout(() => {
      if (cancelled) return;
      remaining -= step;
      if (remaining > 0) arm();
      else fn();
    }, step);
    if (options.unref) timer.unref();
  };
  arm();
  return {
    cancel() {
      cancelled = true;
      clearTimeout(timer);
    },
  };
}
