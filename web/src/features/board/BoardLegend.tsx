import { Icon } from '@/components/Icon';
import type { CompartmentState } from '@/gql/graphql';
import { STATE_LABEL } from './describe';
import { STATE_ICON } from './CompartmentTile';
import styles from './board.module.css';

const STATES: readonly CompartmentState[] = ['AVAILABLE', 'RESERVED', 'IN_USE', 'OUT_OF_SERVICE', 'FAULT'];

/** What the colours, icons and outlines on the board mean. */
export function BoardLegend({ open }: { open: boolean }) {
  return (
    <details className={styles.legend} open={open}>
      <summary>Legend</summary>
      <ul className={styles.legendList}>
        {STATES.map((state) => (
          <li key={state}>
            <span className={styles.legendSwatch} data-state={state}>
              <Icon name={STATE_ICON[state]} />
            </span>
            {STATE_LABEL[state]}
          </li>
        ))}
        <li>
          <span className={styles.legendSwatch} data-door="OPEN">
            <Icon name="doorOpen" />
          </span>
          Door open (dashed outline)
        </li>
        <li>
          <span className={styles.legendIcon}>
            <Icon name="lock" />
          </span>
          Door closed
        </li>
        <li>
          <span className={styles.legendIcon}>
            <Icon name="bolt" />
          </span>
          Charger / charging
        </li>
        <li>
          <span className={styles.legendIcon}>
            <Icon name="accessible" />
          </span>
          Within wheelchair reach
        </li>
        <li>
          <span className={styles.legendIcon}>
            <Icon name="online" />
          </span>
          Bank online · <Icon name="offline" /> offline
        </li>
      </ul>
    </details>
  );
}
