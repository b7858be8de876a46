import { KioskApp } from '@/features/kiosk/KioskApp';

/**
 * One page per bank, rendered on request (bank ids are not known at build
 * time). The service worker keeps the HTML of each visited kiosk URL (network
 * first, one copy per URL), so a screen that lost its network reloads from it;
 * the precached /kiosk shell is the entry for a screen that was never paired.
 */
export default async function KioskPage({ params }: { params: Promise<{ bankId: string }> }) {
  const { bankId } = await params;
  return <KioskApp bankId={decodeURIComponent(bankId)} />;
}
