'use client';

import { useId, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { CompartmentDetails } from './CompartmentDetails';
import { CompartmentTile } from './CompartmentTile';
import { byLabel, type Compartment } from './describe';
import styles from './board.module.css';

/** How many tiles share the first row, read from the layout (the grid reflows with the screen). */
function columnsOf(tiles: readonly (HTMLElement | null)[]): number {
  const first = tiles[0];
  if (!first) return 1;
  let columns = 0;
  for (const tile of tiles) {
    if (!tile || tile.offsetTop !== first.offsetTop) break;
    columns += 1;
  }
  return Math.max(1, columns);
}

export function nextIndex(key: string, current: number, count: number, columns: number): number | null {
  switch (key) {
    case 'ArrowRight':
      return Math.min(count - 1, current + 1);
    case 'ArrowLeft':
      return Math.max(0, current - 1);
    case 'ArrowDown':
      return current + columns < count ? current + columns : current;
    case 'ArrowUp':
      return current - columns >= 0 ? current - columns : current;
    case 'Home':
      return 0;
    case 'End':
      return count - 1;
    default:
      return null;
  }
}

/**
 * A bank's compartments. One Tab stop per bank (roving tabindex); arrow keys,
 * Home and End move between tiles; Enter or Space shows a tile's details.
 */
export function CompartmentGrid({
  bankName,
  compartments,
  staff = false,
}: {
  bankName: string;
  compartments: readonly Compartment[];
  /** Offer the staff menu in the details panel. */
  staff?: boolean;
}) {
  const sorted = useMemo(() => [...compartments].sort(byLabel), [compartments]);
  const [activeId, setActiveId] = useState<string | null>(null);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const tiles = useRef<(HTMLButtonElement | null)[]>([]);
  const detailsId = useId();

  const activeIndex = Math.max(
    0,
    sorted.findIndex((c) => c.id === activeId),
  );
  const selected = sorted.find((c) => c.id === selectedId) ?? null;

  const onKeyDown = (index: number) => (event: KeyboardEvent<HTMLButtonElement>) => {
    if (event.key === 'Escape' && selectedId) {
      setSelectedId(null);
      return;
    }
    const next = nextIndex(event.key, index, sorted.length, columnsOf(tiles.current));
    if (next === null) return;
    event.preventDefault();
    const target = sorted[next];
    if (!target) return;
    setActiveId(target.id);
    tiles.current[next]?.focus();
  };

  if (sorted.length === 0) return <p className={styles.muted}>No compartments.</p>;

  return (
    <>
      <div className={styles.grid} role="group" aria-label={`Compartments of ${bankName}`}>
        {sorted.map((c, index) => (
          <CompartmentTile
            key={c.id}
            ref={(el) => {
              tiles.current[index] = el;
            }}
            compartment={c}
            bankName={bankName}
            detailsId={detailsId}
            selected={c.id === selectedId}
            focusable={index === activeIndex}
            onSelect={() => setSelectedId((current) => (current === c.id ? null : c.id))}
            onFocus={() => setActiveId(c.id)}
            onKeyDown={onKeyDown(index)}
          />
        ))}
      </div>
      {selected && (
        <CompartmentDetails id={detailsId} compartment={selected} onClose={() => setSelectedId(null)} staff={staff} />
      )}
    </>
  );
}
