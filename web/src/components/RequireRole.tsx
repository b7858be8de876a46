'use client';

import type { ReactNode } from 'react';
import type { Role } from '@/gql/graphql';
import { hasRole, homeFor } from '@/lib/roles';
import { AppLink } from './AppLink';
import { RequireSession } from './RequireSession';
import { useSession } from './SessionProvider';

const ROLE_WORDS: Record<Role, string> = {
  STUDENT: 'students',
  STAFF: 'staff',
  IT: 'IT',
  MAILROOM: 'the mailroom',
  COURIER: 'couriers',
  ADMIN: 'administrators',
  DEPARTMENT: 'departments',
};

/** A signed-in person with one of `roles`; anyone else is told whose page it is and where to go instead. */
export function RequireRole({ roles, children }: { roles: readonly Role[]; children: ReactNode }) {
  return (
    <RequireSession>
      <RoleGate roles={roles}>{children}</RoleGate>
    </RequireSession>
  );
}

function RoleGate({ roles, children }: { roles: readonly Role[]; children: ReactNode }) {
  const { session } = useSession();
  const role = session?.person.role;
  if (hasRole(role, roles)) return <>{children}</>;
  const who = roles.map((r) => ROLE_WORDS[r]);
  return (
    <div className="panel" role="alert" data-testid="role-refused">
      <h1>Not available for your role</h1>
      <p>
        This page is for {who.slice(0, -1).join(', ')}
        {who.length > 1 ? ' and ' : ''}
        {who[who.length - 1]}.
      </p>
      {role && (
        <p>
          <AppLink href={homeFor(role)}>Go to your start page</AppLink>
        </p>
      )}
    </div>
  );
}
