import { Suspense } from 'react';
import { PageMessage, RequireSession } from '@/components/RequireSession';
import { LockersBoard } from '@/features/board/LockersBoard';
import { HomeForRole } from './HomeForRole';

export default function LockersPage() {
  return (
    <RequireSession>
      <HomeForRole>
        <Suspense fallback={<PageMessage>Loading…</PageMessage>}>
          <LockersBoard />
        </Suspense>
      </HomeForRole>
    </RequireSession>
  );
}
