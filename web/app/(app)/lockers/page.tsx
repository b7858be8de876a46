import type { Metadata } from 'next';
import { Suspense } from 'react';
import { PageMessage, RequireSession } from '@/components/RequireSession';
import { LockersBoard } from '@/features/board/LockersBoard';

export const metadata: Metadata = { title: 'Lockers' };

/** The lockers board: every bank the viewer may see, live. */
export default function LockersPage() {
  return (
    <RequireSession>
      <Suspense fallback={<PageMessage>Loading…</PageMessage>}>
        <LockersBoard />
      </Suspense>
    </RequireSession>
  );
}
