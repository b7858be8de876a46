import type { Metadata, Viewport } from 'next';
import type { ReactNode } from 'react';

export const metadata: Metadata = { title: 'Locker kiosk', robots: { index: false } };

export const viewport: Viewport = { themeColor: '#0b3a5b' };

/** The locker's touchscreen: full screen, no app header, no person session (it has its own credential). */
export default function KioskLayout({ children }: { children: ReactNode }) {
  return (
    <main id="main" className="kiosk-main" tabIndex={-1}>
      {children}
    </main>
  );
}
