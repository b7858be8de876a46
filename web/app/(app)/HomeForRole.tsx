'use client';

import { useRouter } from 'next/navigation';
import { useEffect, type ReactNode } from 'react';
import { PageMessage } from '@/components/RequireSession';
import { useSession } from '@/components/SessionProvider';
import { homeFor, needsOwnDocument } from '@/lib/roles';

/** `/` is the lockers board; students and couriers start on their own page instead. */
export function HomeForRole({ children }: { children: ReactNode }) {
  const { session } = useSession();
  const router = useRouter();
  const home = session ? homeFor(session.person.role) : '/';
  useEffect(() => {
    if (home === '/') return;
    // A camera page (the courier's drop-off) gets a document of its own: see AppLink.
    if (needsOwnDocument(home, '/')) window.location.replace(home);
    else router.replace(home);
  }, [home, router]);
  if (home !== '/') return <PageMessage>Opening your page…</PageMessage>;
  return <>{children}</>;
}
