import type { Metadata } from 'next';
import { RequireRole } from '@/components/RequireRole';
import { RecallDesk } from '@/features/desk/RecallDesk';
import { PAGE_ROLES } from '@/lib/roles';

export const metadata: Metadata = { title: 'Recall & desk' };

export default function RecallPage() {
  return (
    <RequireRole roles={PAGE_ROLES.recall}>
      <RecallDesk />
    </RequireRole>
  );
}
