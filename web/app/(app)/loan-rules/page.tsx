import type { Metadata } from 'next';
import { RequireRole } from '@/components/RequireRole';
import { LoanRules } from '@/features/loan-rules/LoanRules';
import { PAGE_ROLES } from '@/lib/roles';

export const metadata: Metadata = { title: 'Loan rules' };

export default function LoanRulesPage() {
  return (
    <RequireRole roles={PAGE_ROLES.loanRules}>
      <LoanRules />
    </RequireRole>
  );
}
