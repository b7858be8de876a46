import type { Metadata, Viewport } from 'next';
import { Suspense, type ReactNode } from 'react';
import { AppHeader, AppHeaderFallback } from '@/components/AppHeader';
import { ServiceWorkerUpdater } from '@/components/ServiceWorkerUpdater';
import { SessionProvider } from '@/components/SessionProvider';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'Baylight', template: '%s · Baylight' },
  description: 'Campus lockers, live: which doors are open, free or in use.',
  applicationName: 'Baylight',
  appleWebApp: { capable: true, title: 'Baylight', statusBarStyle: 'default' },
  icons: {
    icon: [
      { url: '/icons/icon.svg', type: 'image/svg+xml' },
      { url: '/icons/icon-192.png', sizes: '192x192', type: 'image/png' },
    ],
    apple: [{ url: '/icons/apple-touch-icon.png', sizes: '180x180' }],
  },
};

export const viewport: Viewport = {
  themeColor: '#0b3a5b',
  width: 'device-width',
  initialScale: 1,
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <SessionProvider>
          <Suspense fallback={<AppHeaderFallback />}>
            <AppHeader />
          </Suspense>
          <main id="main" tabIndex={-1}>
            {children}
          </main>
          <ServiceWorkerUpdater />
        </SessionProvider>
      </body>
    </html>
  );
}
