import { StaffActions } from './StaffActions';
import {
  CHARGING_LABEL,
  DOOR_LABEL,
  OCCUPANCY_LABEL,
  SIZE_LABEL,
  STATE_LABEL,
  formatAsOf,
  type Compartment,
} from './describe';
import styles from './board.module.css';

/** Everything known about one compartment, shown under the grid when a tile is chosen. */
export function CompartmentDetails({
  id,
  compartment: c,
  onClose,
  staff = false,
}: {
  id: string;
  compartment: Compartment;
  onClose: () => void;
  /** Show the staff menu (not on the wall display). */
  staff?: boolean;
}) {
  return (
    <section id={id} className={styles.details} aria-label={`Compartment ${c.label} details`}>
      <dl className={styles.detailsList}>
        <div>
          <dt>Compartment</dt>
          <dd>{c.label}</dd>
        </div>
        <div>
          <dt>Size</dt>
          <dd>
            {c.size} ({SIZE_LABEL[c.size]})
          </dd>
        </div>
        <div>
          <dt>State</dt>
          <dd>{STATE_LABEL[c.state]}</dd>
        </div>
        <div>
          <dt>Door</dt>
          <dd>{DOOR_LABEL[c.door]}</dd>
        </div>
        <div>
          <dt>Contents</dt>
          <dd>{OCCUPANCY_LABEL[c.occupancy]}</dd>
        </div>
        <div>
          <dt>Charger</dt>
          <dd>{!c.hasCharging ? 'None' : c.charging === 'IDLE' ? 'Idle' : CHARGING_LABEL[c.charging]}</dd>
        </div>
        <div>
          <dt>Wheelchair reach</dt>
          <dd>{c.accessible ? 'Yes' : 'No'}</dd>
        </div>
        <div>
          <dt>Updated</dt>
          <dd>
            <time dateTime={c.updatedAt}>{formatAsOf(c.updatedAt)}</time>
          </dd>
        </div>
      </dl>
      {staff && <StaffActions compartment={c} />}
      <button type="button" className={styles.secondaryButton} onClick={onClose}>
        Close details
      </button>
    </section>
  );
}
