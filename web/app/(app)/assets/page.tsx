import type { Metadata } from 'next';
import { RequireRole } from '@/components/RequireRole';
import { AssetRegister } from '@/features/assets/AssetRegister';
import { PAGE_ROLES } from '@/lib/roles';

export const metadata: Metadata = { title: 'Assets' };

export default function AssetsPage() {
  return (
    <RequireRole roles={PAGE_ROLES.assets}>
      <AssetRegister />
    </RequireRole>
  );
}
