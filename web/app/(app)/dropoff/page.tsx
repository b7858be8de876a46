import type { Metadata } from 'next';
import { RequireRole } from '@/components/RequireRole';
import { CourierDropoffPage } from '@/features/dropoff/CourierDropoffPage';
import { PAGE_ROLES } from '@/lib/roles';

export const metadata: Metadata = { title: 'Drop-off' };

export default function DropoffPage() {
  return (
    <RequireRole roles={PAGE_ROLES.dropoff}>
      <CourierDropoffPage />
    </RequireRole>
  );
}
