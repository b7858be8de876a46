import type { Metadata } from 'next';
import { RequireRole } from '@/components/RequireRole';
import { PeopleAccess } from '@/features/admin/PeopleAccess';
import { PAGE_ROLES } from '@/lib/roles';

export const metadata: Metadata = { title: 'Roles and access' };

export default function AdminPeoplePage() {
  return (
    <RequireRole roles={PAGE_ROLES.access}>
      <PeopleAccess />
    </RequireRole>
  );
}
