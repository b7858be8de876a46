'use client';

import { useEffect } from 'react';
import { PageMessage } from '@/components/RequireSession';
import { useSession } from '@/components/SessionProvider';
import { useGoHome } from '@/hooks/useGoHome';

/** Takes the signed-in person from `/` to their role's own start page. */
export function HomeForRole() {
  const { session } = useSession();
  const goHome = useGoHome();
  const role = session?.person.role;
  useEffect(() => {
    if (role) goHome(role);
  }, [role, goHome]);
  return <PageMessage>Opening your page…</PageMessage>;
}
