import type { KeyboardEvent, Ref } from 'react';
import { Icon, type IconName } from '@/components/Icon';
import type { CompartmentState, Occupancy } from '@/gql/graphql';
import {
  CHARGING_LABEL,
  DOOR_LABEL,
  OCCUPANCY_LABEL,
  STATE_LABEL,
  compartmentAccessibleName,
  type Compartment,
} from './describe';
import styles from './board.module.css';

export const STATE_ICON: Record<CompartmentState, IconName> = {
  AVAILABLE: 'check',
  RESERVED: 'bookmark',
  IN_USE: 'box',
  OUT_OF_SERVICE: 'wrench',
  FAULT: 'alert',
};

export const OCCUPANCY_ICON: Record<Occupancy, IconName> = { EMPTY: 'empty', OCCUPIED: 'box', UNKNOWN: 'question' };

interface Props {
  ref?: Ref<HTMLButtonElement>;
  compartment: Compartment;
  bankName: string;
  detailsId: string;
  selected: boolean;
  focusable: boolean;
  onSelect: () => void;
  onFocus: () => void;
  onKeyDown: (event: KeyboardEvent<HTMLButtonElement>) => void;
}

/** One door of a bank. Every state is written out; colour and icons only repeat it. */
export function CompartmentTile({
  ref,
  compartment: c,
  bankName,
  detailsId,
  selected,
  focusable,
  onSelect,
  onFocus,
  onKeyDown,
}: Props) {
  return (
    <button
      ref={ref}
      type="button"
      className={styles.tile}
      data-testid={`compartment-${bankName}-${c.label}`}
      data-door={c.door}
      data-state={c.state}
      data-occupancy={c.occupancy}
      data-charging={c.charging}
      data-version={c.version}
      aria-label={compartmentAccessibleName(c)}
      aria-expanded={selected}
      aria-controls={selected ? detailsId : undefined}
      tabIndex={focusable ? 0 : -1}
      onClick={onSelect}
      onFocus={onFocus}
      onKeyDown={onKeyDown}
    >
      <span className={styles.tileHead}>
        <span className={styles.tileLabel}>{c.label}</span>
        <span className={styles.tileSize}>{c.size}</span>
        {c.accessible && <Icon name="accessible" className={styles.tileAccessible} />}
      </span>
      <span className={styles.tileState}>
        <Icon name={STATE_ICON[c.state]} />
        {STATE_LABEL[c.state]}
      </span>
      <span className={styles.tileDoor}>
        <Icon name={c.door === 'OPEN' ? 'doorOpen' : 'lock'} />
        {c.door === 'OPEN' ? 'OPEN' : DOOR_LABEL.CLOSED}
      </span>
      <span className={styles.tileLine}>
        <Icon name={OCCUPANCY_ICON[c.occupancy]} />
        {OCCUPANCY_LABEL[c.occupancy]}
      </span>
      {(c.hasCharging || c.charging !== 'IDLE') && (
        <span className={styles.tileLine} data-charging={c.charging}>
          <Icon name={c.charging === 'CHARGED' ? 'battery' : 'bolt'} />
          {CHARGING_LABEL[c.charging]}
        </span>
      )}
    </button>
  );
}
