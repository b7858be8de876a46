import { usePathname, useRouter } from 'next/navigation';
import { useCallback } from 'react';
import type { Role } from '@/gql/graphql';
import { homeFor, needsOwnDocument } from '@/lib/roles';

/**
 * Takes a person to their role's start page (homeFor). A page load instead of
 * a client-side navigation where that is needed: into a camera page (its own
 * document, see AppLink), and offline, where a page load finds the precached
 * page even when Next's router has nothing cached for it.
 */
export function useGoHome(): (role: Role) => void {
  const router = useRouter();
  const pathname = usePathname();
  return useCallback(
    (role: Role) => {
      const home = homeFor(role);
      if (needsOwnDocument(home, pathname) || !navigator.onLine) window.location.replace(home);
      else router.replace(home);
    },
    [router, pathname],
  );
}
