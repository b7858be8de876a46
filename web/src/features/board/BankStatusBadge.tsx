import { Icon } from '@/components/Icon';
import type { ConnectionStatus } from '@/gql/graphql';
import { formatAsOf } from './describe';
import styles from './board.module.css';

/**
 * ONLINE / OFFLINE in words, with an icon and colour as extra cues. When the
 * page is not live (`staleAsOf` set: the time the status was last heard) it
 * says "Last known: ONLINE at 10:42" in a muted, dashed badge: the bank may
 * have gone away since.
 */
export function BankStatusBadge({
  status,
  stale = false,
  staleAsOf = null,
}: {
  status: ConnectionStatus;
  stale?: boolean;
  staleAsOf?: string | null;
}) {
  return (
    <span
      className={styles.statusBadge}
      data-status={status}
      data-stale={stale || undefined}
      data-testid="connection-status"
    >
      <Icon name={stale ? 'question' : status === 'ONLINE' ? 'online' : 'offline'} />
      {stale ? (
        <>
          Last known: {status}
          {staleAsOf && (
            <>
              {' '}
              at <time dateTime={staleAsOf}>{formatAsOf(staleAsOf)}</time>
            </>
          )}
        </>
      ) : (
        status
      )}
    </span>
  );
}
