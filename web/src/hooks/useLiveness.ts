import { useSession } from '@/components/SessionProvider';
import { livenessOf, useLiveSnapshot, type Liveness } from '@/lib/live-status';
import { useOnline } from '@/lib/use-online';

/** Whether the signed-in person's pages are live right now (see livenessOf). */
export function useLiveness(): Liveness {
  const { authed } = useSession();
  const snapshot = useLiveSnapshot(authed?.live ?? null);
  const online = useOnline();
  return livenessOf(snapshot, online);
}
