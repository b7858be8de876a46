import type { Metadata } from 'next';
import { RequireRole } from '@/components/RequireRole';
import { KioskCredentials } from '@/features/admin/KioskCredentials';
import { PAGE_ROLES } from '@/lib/roles';

export const metadata: Metadata = { title: 'Kiosks' };

export default function KiosksPage() {
  return (
    <RequireRole roles={PAGE_ROLES.kiosks}>
      <KioskCredentials />
    </RequireRole>
  );
}
