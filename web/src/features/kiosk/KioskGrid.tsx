'use client';

import { useMemo } from 'react';
import { byLabel, compartmentAccessibleName, STATE_LABEL, type Compartment } from '@/features/board/describe';
import styles from './kiosk.module.css';

/** The bank's compartments, compact: label, state in words, an open door marked. */
export function KioskGrid({
  compartments,
  highlight,
}: {
  compartments: readonly Compartment[];
  highlight: string | null;
}) {
  const sorted = useMemo(() => [...compartments].sort(byLabel), [compartments]);
  return (
    <ul className={styles.grid} aria-label="Compartments of this bank">
      {sorted.map((c) => (
        <li
          key={c.id}
          className={styles.cell}
          data-state={c.state}
          data-door={c.door}
          data-highlight={c.label === highlight || undefined}
          data-testid={`kiosk-compartment-${c.label}`}
        >
          <span className="visually-hidden">{compartmentAccessibleName(c)}</span>
          <span className={styles.cellLabel} aria-hidden="true">
            {c.label}
          </span>
          <span className={styles.cellState} aria-hidden="true">
            {c.door === 'OPEN' ? 'OPEN' : STATE_LABEL[c.state]}
          </span>
        </li>
      ))}
    </ul>
  );
}
