'use client';

import { useRouter } from 'next/navigation';
import { useEffect, type ReactNode } from 'react';
import { useSession } from './SessionProvider';

/** Shows its children to a signed-in person only; everyone else goes to /sign-in. */
export function RequireSession({ children }: { children: ReactNode }) {
  const { status, authed } = useSession();
  const router = useRouter();

  useEffect(() => {
    if (status === 'anonymous') router.replace('/sign-in');
  }, [status, router]);

  if (status === 'anonymous') return <PageMessage>Taking you to sign-in…</PageMessage>;
  if (status === 'loading' || !authed) return <PageMessage>Loading…</PageMessage>;
  return <>{children}</>;
}

export function PageMessage({ children }: { children: ReactNode }) {
  return (
    <p className="page-message" role="status">
      {children}
    </p>
  );
}
