import { KioskLanding } from '@/features/kiosk/KioskLanding';

/** Static and precached: a paired screen is sent on to /kiosk/<its bank>. */
export default function KioskIndexPage() {
  return <KioskLanding />;
}
