import type { Metadata } from 'next';
import { RequireRole } from '@/components/RequireRole';
import { AlertsList } from '@/features/alerts/AlertsList';
import { PAGE_ROLES } from '@/lib/roles';

export const metadata: Metadata = { title: 'Alerts' };

export default function AlertsPage() {
  return (
    <RequireRole roles={PAGE_ROLES.alerts}>
      <AlertsList />
    </RequireRole>
  );
}
