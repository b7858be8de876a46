import type { Metadata, Viewport } from 'next';
import Script from 'next/script';
import type { ReactNode } from 'react';
import { ServiceWorkerUpdater } from '@/components/ServiceWorkerUpdater';
import { CONFIG_SCRIPT_PATH } from '@/config';
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

/**
 * The document shell shared by the app (app/(app)/layout.tsx: session, header)
 * and the kiosk (app/kiosk/layout.tsx: its own credential, no header).
 *
 * `/config.js` (the API URL from the web server's environment) is loaded
 * `beforeInteractive`: Next runs it before it loads any app module or
 * hydrates, in every route group and on the kiosk.
 */
export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <Script src={CONFIG_SCRIPT_PATH} strategy="beforeInteractive" />
        {children}
        <ServiceWorkerUpdater />
      </body>
    </html>
  );
}
