'use client';

import { useId, useMemo, useRef, useState, type CSSProperties, type KeyboardEvent } from 'react';
import { CompartmentDetails } from './CompartmentDetails';
import { CompartmentTile } from './CompartmentTile';
import { byLabel, type Compartment } from './describe';
import { physicalBeyond, physicalLayout, spatialNext } from './layout';
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
 * A bank's compartments. Labels like A01 … D06 are drawn as the bank stands
 * (one strip per column, row A at the top; strips wrap onto further bands on a
 * narrow screen); other label schemes in label order. One Tab stop per bank
 * (roving tabindex); arrow keys move to the tile that is there on screen, Home
 * and End to the first and last; Enter or Space shows a tile's details.
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
  const layout = useMemo(() => physicalLayout(compartments), [compartments]);
  const ordered = useMemo(() => layout?.order ?? [...compartments].sort(byLabel), [layout, compartments]);
  const beyond = useMemo(() => (layout ? physicalBeyond(layout) : undefined), [layout]);
  const [activeId, setActiveId] = useState<string | null>(null);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const tiles = useRef<(HTMLButtonElement | null)[]>([]);
  const detailsId = useId();

  const activeIndex = Math.max(
    0,
    ordered.findIndex((c) => c.id === activeId),
  );
  const selected = ordered.find((c) => c.id === selectedId) ?? null;

  const onKeyDown = (index: number) => (event: KeyboardEvent<HTMLButtonElement>) => {
    if (event.key === 'Escape' && selectedId) {
      setSelectedId(null);
      return;
    }
    let next: number | null;
    if (layout && event.key !== 'Home' && event.key !== 'End') {
      const boxes = ordered.map((_, i) => tiles.current[i]?.getBoundingClientRect() ?? null);
      next = spatialNext(event.key, index, boxes, beyond);
    } else {
      next = nextIndex(event.key, index, ordered.length, columnsOf(tiles.current.slice(0, ordered.length)));
    }
    if (next === null) return;
    event.preventDefault();
    const target = ordered[next];
    if (!target) return;
    setActiveId(target.id);
    tiles.current[next]?.focus();
  };

  if (ordered.length === 0) return <p className={styles.muted}>No compartments.</p>;

  const tile = (c: Compartment, index: number) => (
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
  );

  let grid;
  if (layout) {
    const indexOf = new Map(ordered.map((c, i) => [c.id, i]));
    grid = (
      <div
        className={styles.physical}
        role="group"
        aria-label={`Compartments of ${bankName}`}
        data-layout="physical"
        style={{ '--rows': layout.rows.length + 1 } as CSSProperties}
      >
        {layout.columns.map((column) => (
          <div key={column.number} className={styles.strip} data-column={column.label}>
            <span className={styles.stripLabel} aria-hidden="true">
              {column.label}
            </span>
            {column.slots.map((c, row) =>
              c ? (
                tile(c, indexOf.get(c.id) ?? 0)
              ) : (
                <span key={`empty-${layout.rows[row]}`} className={styles.noSlot} aria-hidden="true" />
              ),
            )}
          </div>
        ))}
      </div>
    );
  } else {
    grid = (
      <div className={styles.grid} role="group" aria-label={`Compartments of ${bankName}`} data-layout="labels">
        {ordered.map((c, index) => tile(c, index))}
      </div>
    );
  }

  return (
    <>
      {grid}
      {selected && (
        <CompartmentDetails id={detailsId} compartment={selected} onClose={() => setSelectedId(null)} staff={staff} />
      )}
    </>
  );
}
