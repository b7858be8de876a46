import type { Metadata } from 'next';
import { RequireRole } from '@/components/RequireRole';
import { BankPage } from '@/features/bank/BankPage';
import { PAGE_ROLES } from '@/lib/roles';

export const metadata: Metadata = { title: 'Locker bank' };

/**
 * A bank's controller and event log, rendered on request (bank ids are not
 * known at build time). The service worker keeps each visited bank page's HTML
 * (network first), and Graphcache its data, so a visited page opens offline.
 */
export default async function BankDetailsPage({ params }: { params: Promise<{ bankId: string }> }) {
  const { bankId } = await params;
  return (
    <RequireRole roles={PAGE_ROLES.bankDetails}>
      <BankPage bankId={decodeURIComponent(bankId)} />
    </RequireRole>
  );
}
