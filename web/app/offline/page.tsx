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
        The <Link href="/">lockers board</Link> still opens offline and shows the last known state, marked with the
        time it was received.
      </p>
      <RetryButton />
    </div>
  );
}
