import { Suspense, type ReactNode } from 'react';
import { AppHeader, AppHeaderFallback } from '@/components/AppHeader';
import { SessionProvider } from '@/components/SessionProvider';
import { StaffAlertToaster } from '@/features/alerts/StaffAlertToaster';

/** Every page of the app for people: the session, the header with role-aware navigation, staff alert toasts. */
export default function AppLayout({ children }: { children: ReactNode }) {
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <SessionProvider>
        <Suspense fallback={<AppHeaderFallback />}>
          <AppHeader />
        </Suspense>
        <main id="main" tabIndex={-1}>
          <StaffAlertToaster />
          {children}
        </main>
      </SessionProvider>
    </>
  );
}
