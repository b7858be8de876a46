import type { Metadata } from 'next';
import { RequireRole } from '@/components/RequireRole';
import { PeopleImport } from '@/features/people/PeopleImport';
import { PAGE_ROLES } from '@/lib/roles';

export const metadata: Metadata = { title: 'Import people' };

export default function PeoplePage() {
  return (
    <RequireRole roles={PAGE_ROLES.people}>
      <PeopleImport />
    </RequireRole>
  );
}
