import type { Counts } from './describe';
import styles from './board.module.css';

const ITEMS: readonly { key: keyof Omit<Counts, 'total'>; label: string }[] = [
  { key: 'available', label: 'available' },
  { key: 'inUse', label: 'in use' },
  { key: 'open', label: 'open' },
  { key: 'unavailable', label: 'unavailable' },
];

export function BankCounts({ counts }: { counts: Counts }) {
  return (
    <ul className={styles.counts} aria-label="Compartment counts">
      <li data-count="total">
        <strong>{counts.total}</strong> total
      </li>
      {ITEMS.map(({ key, label }) => (
        <li key={key} data-count={key}>
          <strong>{counts[key]}</strong> {label}
        </li>
      ))}
    </ul>
  );
}
