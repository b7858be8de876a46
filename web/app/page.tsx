import { Suspense } from 'react';
import { PageMessage, RequireSession } from '@/components/RequireSession';
import { LockersBoard } from '@/features/board/LockersBoard';

export default function LockersPage() {
  return (
    <RequireSession>
      <Suspense fallback={<PageMessage>Loading…</PageMessage>}>
        <LockersBoard />
      </Suspense>
    </RequireSession>
  );
}
