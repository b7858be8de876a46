import { RequireSession } from '@/components/RequireSession';
import { HomeForRole } from './HomeForRole';

/** `/`: nothing of its own; each role is taken to its own start page (homeFor in lib/roles.ts). */
export default function StartPage() {
  return (
    <RequireSession>
      <HomeForRole />
    </RequireSession>
  );
}
