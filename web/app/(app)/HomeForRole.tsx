'use client';

import { useRouter } from 'next/navigation';
import { useEffect, type ReactNode } from 'react';
import { PageMessage } from '@/components/RequireSession';
import { useSession } from '@/components/SessionProvider';
import { homeFor } from '@/lib/roles';

/** `/` is the lockers board; students and couriers start on their own page instead. */
export function HomeForRole({ children }: { children: ReactNode }) {
  const { session } = useSession();
  const router = useRouter();
  const home = session ? homeFor(session.person.role) : '/';
  useEffect(() => {
    if (home !== '/') router.replace(home);
  }, [home, router]);
  if (home !== '/') return <PageMessage>Opening your page…</PageMessage>;
  return <>{children}</>;
}
