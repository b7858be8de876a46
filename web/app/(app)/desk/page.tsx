import type { Metadata } from 'next';
import { RequireRole } from '@/components/RequireRole';
import { IntakeDesk } from '@/features/desk/IntakeDesk';
import { PAGE_ROLES } from '@/lib/roles';

export const metadata: Metadata = { title: 'Intake desk' };

export default function DeskPage() {
  return (
    <RequireRole roles={PAGE_ROLES.desk}>
      <IntakeDesk />
    </RequireRole>
  );
}
