'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { useCallback, useState } from 'react';
import { useSubscription } from 'urql';
import { Icon } from '@/components/Icon';
import { useSession } from '@/components/SessionProvider';
import type { StaffAlertFieldsFragment } from '@/gql/graphql';
import { PAGE_ROLES, hasRole } from '@/lib/roles';
import { URGENT_KINDS, alertLabel } from './describe';
import { StaffAlertUpdatedSubscription } from './documents';

const MAX_SHOWN = 3;

/** On every staff page: a banner for each new door-left-open or lockout alert, until dismissed or resolved. */
export function StaffAlertToaster() {
  const { status, session, authed } = useSession();
  if (status !== 'signed-in' || !authed || !hasRole(session?.person.role, PAGE_ROLES.staffAlerts)) return null;
  return <Toasts />;
}

function Toasts() {
  const pathname = usePathname();
  const [toasts, setToasts] = useState<StaffAlertFieldsFragment[]>([]);

  const onAlert = useCallback((_prev: unknown, data: { staffAlertUpdated: StaffAlertFieldsFragment }) => {
    const alert = data.staffAlertUpdated;
    setToasts((current) => {
      const without = current.filter((t) => t.id !== alert.id);
      if (alert.resolvedAt || !URGENT_KINDS.has(alert.kind)) return without;
      return [alert, ...without].slice(0, MAX_SHOWN);
    });
    return data;
  }, []);
  useSubscription({ query: StaffAlertUpdatedSubscription }, onAlert);

  // The alerts page lists them anyway.
  if (toasts.length === 0 || pathname === '/alerts') return null;
  return (
    <div className="toasts" role="alert" data-testid="staff-alert-toasts">
      {toasts.map((t) => (
        <div key={t.id} className="toast" data-testid={`staff-alert-toast-${t.id}`} data-kind={t.kind}>
          <Icon name="alert" />
          <p>
            <strong>{alertLabel(t.kind)}</strong>
            {t.compartmentLabel ? ` · ${t.compartmentLabel}` : ''} — {t.message}
          </p>
          <Link href="/alerts" className="button button-secondary">
            View alerts
          </Link>
          <button
            type="button"
            className="button-link"
            onClick={() => setToasts((c) => c.filter((x) => x.id !== t.id))}
            aria-label={`Dismiss ${alertLabel(t.kind)} alert`}
          >
            Dismiss
          </button>
        </div>
      ))}
    </div>
  );
}
