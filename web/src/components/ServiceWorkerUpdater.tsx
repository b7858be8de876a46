'use client';

/**
 * Registers the service worker (production builds only) and offers a new
 * version when one is waiting. The browser only re-checks sw.js on full page
 * loads, so we also ask for an update whenever the tab becomes visible.
 */
import { useEffect, useRef, useState } from 'react';
import type { Workbox } from 'workbox-window';
import { isProduction } from '@/config';

export function ServiceWorkerUpdater() {
  const [waiting, setWaiting] = useState(false);
  const wbRef = useRef<Workbox | null>(null);

  useEffect(() => {
    if (!isProduction || !('serviceWorker' in navigator)) return;
    let cancelled = false;
    let onVisible: (() => void) | undefined;

    void import('workbox-window').then(({ Workbox }) => {
      if (cancelled) return;
      const wb = new Workbox('/sw.js', { scope: '/' });
      wbRef.current = wb;
      wb.addEventListener('waiting', () => setWaiting(true));
      onVisible = () => {
        if (document.visibilityState === 'visible') void wb.update();
      };
      document.addEventListener('visibilitychange', onVisible);
      wb.register().catch((error: unknown) => {
        console.warn('Service worker registration failed', error);
      });
    });

    return () => {
      cancelled = true;
      if (onVisible) document.removeEventListener('visibilitychange', onVisible);
    };
  }, []);

  if (!waiting) return null;

  const reload = () => {
    const wb = wbRef.current;
    if (!wb) {
      window.location.reload();
      return;
    }
    // Reload once the new worker has taken over, so the page and its cache match.
    wb.addEventListener('controlling', () => window.location.reload());
    wb.messageSkipWaiting();
  };

  return (
    <div className="banner banner-update" role="status" data-testid="update-prompt">
      <p>
        <strong>New version available</strong>
      </p>
      <button type="button" className="button" onClick={reload}>
        Reload
      </button>
      <button type="button" className="button-link" style={{ color: '#fff' }} onClick={() => setWaiting(false)}>
        Later
      </button>
    </div>
  );
}
