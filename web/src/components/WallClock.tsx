'use client';

import { useNow } from '@/hooks/useNow';

/** Time of day for the wall display. */
export function WallClock() {
  const now = useNow(10_000);
  const date = new Date(now);
  return (
    <time dateTime={date.toISOString()} style={{ fontWeight: 700, fontSize: '1.25rem' }}>
      {date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })}
    </time>
  );
}
