import { useEffect, useRef } from 'react';
import { useSession } from '@/components/SessionProvider';
import { useLiveSnapshot, type LiveStatus } from '@/lib/live-status';

/**
 * Live events missed while the socket was down are not replayed: when it comes
 * back, run `refetch` (a network-only re-query of the page's lists).
 */
export function useResyncOnReconnect(refetch: () => void, liveOverride?: LiveStatus | null): void {
  const { authed } = useSession();
  const live = useLiveSnapshot(liveOverride !== undefined ? liveOverride : (authed?.live ?? null));
  useSocketReconnected(live.socket, refetch);
}

/** Calls `onReconnect` when a socket goes from reconnecting back to connected. */
export function useSocketReconnected(socket: string, onReconnect: () => void): void {
  const previous = useRef(socket);
  const callback = useRef(onReconnect);
  useEffect(() => {
    callback.current = onReconnect;
  }, [onReconnect]);
  useEffect(() => {
    if (previous.current === 'reconnecting' && socket === 'connected') callback.current();
    previous.current = socket;
  }, [socket]);
}
