'use client';

import { formatAsOf } from '@/features/board/describe';
import { useLiveSnapshot } from '@/lib/live-status';
import { useOnline } from '@/lib/use-online';
import { Icon } from './Icon';
import { useSession } from './SessionProvider';

/**
 * Says plainly when the board is not live: offline (showing the last known
 * state, with its time) or reconnecting to live updates. `hasData` false: the
 * page has nothing to show (it says so itself), so no "last known state".
 */
export function ConnectionBanner({ hasData = true }: { hasData?: boolean } = {}) {
  const { authed } = useSession();
  const live = useLiveSnapshot(authed?.live ?? null);
  const online = useOnline();
  if (!authed) return null;

  const asOf = live.lastDataAt ? (
    <time dateTime={live.lastDataAt} data-testid="last-data-at">
      {formatAsOf(live.lastDataAt)}
    </time>
  ) : (
    'an unknown time'
  );

  if (!online || !live.serverReachable) {
    return (
      <div className="banner banner-offline" role="status" data-testid="offline-banner">
        <Icon name="offline" />
        <p>
          {hasData && live.lastDataAt ? (
            <>
              <strong>Offline</strong> — showing the last known state as of {asOf}.
            </>
          ) : hasData ? (
            <>
              <strong>Offline</strong> — showing the last known state.
            </>
          ) : (
            <>
              <strong>Offline</strong> — no connection to the Baylight server.
            </>
          )}
        </p>
      </div>
    );
  }
  if (live.socket === 'reconnecting') {
    return (
      <div className="banner banner-reconnecting" role="status" data-testid="reconnecting-banner">
        <Icon name="refresh" />
        <p>
          <strong>Reconnecting to live updates…</strong> Showing the state as of {asOf}.
        </p>
      </div>
    );
  }
  return null;
}
