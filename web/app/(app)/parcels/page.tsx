import type { Metadata } from 'next';
import { RequireSession } from '@/components/RequireSession';
import { MyParcels } from '@/features/parcels/MyParcels';

export const metadata: Metadata = { title: 'My parcels' };

/** Precached shell: the parcels themselves come from the API (or Graphcache offline). */
export default function MyParcelsPage() {
  return (
    <RequireSession>
      <MyParcels />
    </RequireSession>
  );
}
