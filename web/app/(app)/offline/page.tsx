import type { Metadata } from 'next';
import Link from 'next/link';
import { RetryButton } from './RetryButton';

export const metadata: Metadata = { title: 'Offline' };

/** Served by the service worker for any page it has no copy of while offline. */
export default function OfflinePage() {
  return (
    <div style={{ maxWidth: '36rem' }}>
      <h1>You are offline</h1>
      <p>This page has not been saved on this device, so it cannot be shown without a connection.</p>
      <p>
        <Link href="/parcels">My parcels</Link> (with your pickup codes and QR codes) and the{' '}
        <Link href="/lockers">lockers board</Link> still open offline and show the last known state, marked with the
        time it was received.
      </p>
      <RetryButton />
    </div>
  );
}
