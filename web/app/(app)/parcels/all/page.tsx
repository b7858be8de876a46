import type { Metadata } from 'next';
import { RequireRole } from '@/components/RequireRole';
import { AllParcels } from '@/features/desk/AllParcels';
import { PAGE_ROLES } from '@/lib/roles';

export const metadata: Metadata = { title: 'Parcels' };

export default function AllParcelsPage() {
  return (
    <RequireRole roles={PAGE_ROLES.allParcels}>
      <AllParcels />
    </RequireRole>
  );
}
