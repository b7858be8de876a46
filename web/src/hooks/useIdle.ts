import { useCallback, useEffect, useRef } from 'react';

/**
 * Calls `onIdle` after `timeoutMs` without a key press, touch or click
 * anywhere on the page. Returns a function that counts as activity (for
 * components that swallow events). Disabled: no timer.
 */
export function useIdle(timeoutMs: number, onIdle: () => void, enabled = true): () => void {
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const callback = useRef(onIdle);
  useEffect(() => {
    callback.current = onIdle;
  }, [onIdle]);

  const restart = useCallback(() => {
    if (timer.current) clearTimeout(timer.current);
    if (enabled) timer.current = setTimeout(() => callback.current(), timeoutMs);
  }, [enabled, timeoutMs]);

  useEffect(() => {
    if (!enabled) return;
    restart();
    const events = ['pointerdown', 'keydown', 'wheel', 'touchstart'] as const;
    for (const e of events) window.addEventListener(e, restart, { passive: true });
    return () => {
      if (timer.current) clearTimeout(timer.current);
      for (const e of events) window.removeEventListener(e, restart);
    };
  }, [enabled, restart]);

  return restart;
}
