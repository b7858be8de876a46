import { Icon } from '@/components/Icon';
import type { ConnectionStatus } from '@/gql/graphql';
import styles from './board.module.css';

/** ONLINE / OFFLINE in words, with an icon and colour as extra cues. */
export function BankStatusBadge({ status }: { status: ConnectionStatus }) {
  return (
    <span className={styles.statusBadge} data-status={status}>
      <Icon name={status === 'ONLINE' ? 'online' : 'offline'} />
      {status}
    </span>
  );
}
