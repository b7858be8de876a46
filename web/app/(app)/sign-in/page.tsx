import type { Metadata } from 'next';
import { Suspense } from 'react';
import { PageMessage } from '@/components/RequireSession';
import { SignInFlow } from '@/features/sign-in/SignInFlow';

export const metadata: Metadata = { title: 'Sign in' };

export default function SignInPage() {
  return (
    <Suspense fallback={<PageMessage>Loading…</PageMessage>}>
      <SignInFlow />
    </Suspense>
  );
}
