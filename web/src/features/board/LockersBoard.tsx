'use client';

import Link from 'next/link';
import { useEffect, useMemo } from 'react';
import { useQuery } from 'urql';
import { useNow } from '@/hooks/useNow';
import { useMediaQuery } from '@/hooks/useMediaQuery';
import { useLiveness } from '@/hooks/useLiveness';
import { useWallMode } from '@/hooks/useWallMode';
import { MeQuery } from '@/lib/documents';
import { ConnectionBanner } from '@/components/ConnectionBanner';
import { NothingSaved } from '@/components/NothingSaved';
import { useSession } from '@/components/SessionProvider';
import { PAGE_ROLES, hasRole } from '@/lib/roles';
import { BoardLegend } from './BoardLegend';
import { LiveSubscriptions } from './LiveSubscriptions';
import { SiteSection } from './SiteSection';
import { FullscreenButton } from './FullscreenButton';
import { LockerBoardQuery } from './documents';
import { useDoorAnnouncements } from './useDoorAnnouncements';
import styles from './board.module.css';

/** Signs out when the server says the stored token no longer belongs to anyone. */
function useSessionCheck() {
  const { signOut } = useSession();
  const [me] = useQuery({ query: MeQuery, requestPolicy: 'network-only' });
  const revoked = !me.fetching && !me.error && !me.stale && me.data != null && me.data.me === null;
  useEffect(() => {
    if (revoked) void signOut('expired');
  }, [revoked, signOut]);
}

export function LockersBoard() {
  const wall = useWallMode();
  const { session } = useSession();
  // The tile menu (override, out of service) is for staff, and never on the wall display.
  const staff = !wall && hasRole(session?.person.role, PAGE_ROLES.outOfService);
  const details = !wall && hasRole(session?.person.role, PAGE_ROLES.bankDetails);
  const liveness = useLiveness();
  // The legend starts open where there is room for it; on a phone it is one tap away.
  const wide = useMediaQuery('(min-width: 48rem)');
  const now = useNow(15_000);
  useSessionCheck();
  const [result, reexecute] = useQuery({ query: LockerBoardQuery, requestPolicy: 'cache-and-network' });
  const sites = result.data?.sites;
  const banks = useMemo(() => sites?.flatMap((s) => s.banks), [sites]);
  const announcement = useDoorAnnouncements(banks);

  // Wall mode scales the whole page (rem units) and hides the chrome.
  useEffect(() => {
    document.documentElement.classList.toggle('wall', wall);
    return () => document.documentElement.classList.remove('wall');
  }, [wall]);

  const compartmentCount = banks?.reduce((n, b) => n + b.compartments.length, 0) ?? 0;

  return (
    <div className={styles.board} data-wall={wall || undefined}>
      <LiveSubscriptions />
      <ConnectionBanner hasData={sites !== undefined || result.fetching} />
      <div className={styles.boardHeader}>
        <div>
          <h1 className={styles.title}>Lockers</h1>
          {banks && (
            <p className={styles.summary}>
              {banks.length} {banks.length === 1 ? 'bank' : 'banks'}, {compartmentCount} compartments
            </p>
          )}
        </div>
        <div className={styles.boardActions}>
          {wall ? (
            <>
              <FullscreenButton />
              <Link className="button button-secondary" href="/lockers">
                Exit wall display
              </Link>
            </>
          ) : (
            <Link className="button button-secondary" href="/lockers?wall=1">
              Wall display
            </Link>
          )}
        </div>
      </div>

      <BoardLegend open={wall || wide} />

      <p className={styles.announcer} role="status" aria-live="polite" aria-atomic="true" data-testid="door-announcer">
        {announcement}
      </p>

      {sites === undefined ? (
        result.error ? (
          <div className={styles.empty} role="alert">
            <p>
              {result.error.networkError
                ? 'Cannot reach the Baylight server, and no lockers are saved on this device yet.'
                : `The lockers could not be loaded: ${result.error.graphQLErrors[0]?.message ?? result.error.message}`}
            </p>
            <button type="button" className="button" onClick={() => reexecute({ requestPolicy: 'network-only' })}>
              Try again
            </button>
          </div>
        ) : result.fetching ? (
          <p className="page-message" role="status">
            Loading lockers…
          </p>
        ) : (
          // Answered from the offline copy alone, and it had no lockers.
          <NothingSaved what="the lockers" onRetry={() => reexecute({ requestPolicy: 'network-only' })} />
        )
      ) : sites.length === 0 ? (
        <p className={styles.empty}>No locker sites yet. An administrator can add sites and banks.</p>
      ) : (
        sites.map((site) => (
          <SiteSection key={site.id} site={site} now={now} staff={staff} liveness={liveness} details={details} />
        ))
      )}
    </div>
  );
}
