'use client';

import { useCallback, useMemo, useState } from 'react';
import { useMutation, useQuery, useSubscription } from 'urql';
import { AppLink } from '@/components/AppLink';
import { ConnectionBanner } from '@/components/ConnectionBanner';
import { Icon } from '@/components/Icon';
import { formatAsOf } from '@/features/board/describe';
import type { StaffAlertFieldsFragment, StaffAlertKind } from '@/gql/graphql';
import { useResyncOnReconnect } from '@/hooks/useResyncOnReconnect';
import { errorMessage } from '@/lib/errors';
import { bankHref } from '@/lib/roles';
import { ALERT_EXPLANATION, ALERT_LABEL, BANK_PAGE_KINDS, alertExplanation, alertLabel, sortAlerts } from './describe';
import {
  BankNamesQuery,
  ResolveStaffAlertMutation,
  StaffAlertUpdatedSubscription,
  StaffAlertsQuery,
} from './documents';
import styles from './alerts.module.css';

const KINDS = Object.keys(ALERT_LABEL) as StaffAlertKind[];

export function AlertsList() {
  useSubscription({ query: StaffAlertUpdatedSubscription });
  const [result, reexecute] = useQuery({
    query: StaffAlertsQuery,
    variables: { includeResolved: true, limit: 100 },
    requestPolicy: 'cache-and-network',
  });
  const [banks] = useQuery({ query: BankNamesQuery, requestPolicy: 'cache-first' });
  const refetch = useCallback(() => reexecute({ requestPolicy: 'network-only' }), [reexecute]);
  useResyncOnReconnect(refetch);

  const bankName = useMemo(() => {
    const names = new Map((banks.data?.lockerBanks ?? []).map((b) => [b.id, b.name]));
    return (id: string | null | undefined) => (id ? (names.get(id) ?? 'a bank') : null);
  }, [banks.data]);

  const alerts = result.data?.staffAlerts;
  const sorted = useMemo(() => (alerts ? sortAlerts(alerts) : null), [alerts]);

  return (
    <div className={styles.page}>
      <ConnectionBanner />
      <div>
        <h1 className={styles.title}>Alerts</h1>
        <p className={styles.summary}>Live. {sorted ? `${sorted.open.length} open` : ''}</p>
      </div>
      <details className={styles.kinds}>
        <summary>What the alert kinds mean</summary>
        <dl>
          {KINDS.map((k) => (
            <div key={k}>
              <dt>{ALERT_LABEL[k]}</dt>
              <dd>{ALERT_EXPLANATION[k]}</dd>
            </div>
          ))}
        </dl>
      </details>

      {!sorted ? (
        result.error ? (
          <div className="panel" role="alert">
            <p>{errorMessage(result.error, { FORBIDDEN: 'Alerts are for staff, IT and the mailroom.' })}</p>
            <button type="button" className="button" onClick={refetch}>
              Try again
            </button>
          </div>
        ) : (
          <p className="page-message" role="status">
            Loading alerts…
          </p>
        )
      ) : (
        <>
          <section aria-labelledby="open-alerts" className={styles.section}>
            <h2 id="open-alerts">Open</h2>
            {sorted.open.length === 0 ? (
              <p className="panel" data-testid="no-open-alerts">
                <Icon name="check" /> No open alerts.
              </p>
            ) : (
              <ul className={styles.list} aria-live="polite" aria-relevant="additions">
                {sorted.open.map((a) => (
                  <AlertItem key={a.id} alert={a} bankName={bankName(a.bankId)} />
                ))}
              </ul>
            )}
          </section>
          {sorted.resolved.length > 0 && (
            <section aria-labelledby="resolved-alerts" className={styles.section}>
              <h2 id="resolved-alerts">Resolved</h2>
              <ul className={styles.list}>
                {sorted.resolved.map((a) => (
                  <AlertItem key={a.id} alert={a} bankName={bankName(a.bankId)} />
                ))}
              </ul>
            </section>
          )}
        </>
      )}
    </div>
  );
}

function AlertItem({ alert, bankName }: { alert: StaffAlertFieldsFragment; bankName: string | null }) {
  const [{ fetching }, resolve] = useMutation(ResolveStaffAlertMutation);
  const [error, setError] = useState<string | null>(null);
  const run = async () => {
    setError(null);
    const result = await resolve({ id: alert.id });
    if (result.error) setError(errorMessage(result.error));
  };
  const explanation = alertExplanation(alert.kind);
  const where = [bankName, alert.compartmentLabel ? `compartment ${alert.compartmentLabel}` : null]
    .filter(Boolean)
    .join(', ');
  return (
    <li
      className={styles.alert}
      data-testid={`alert-${alert.id}`}
      data-kind={alert.kind}
      data-resolved={alert.resolvedAt ? 'true' : 'false'}
    >
      <div className={styles.alertHead}>
        <h3 className={styles.kind} data-kind={alert.kind}>
          <Icon name={alert.resolvedAt ? 'check' : 'alert'} /> {alertLabel(alert.kind)}
          {alert.resolvedAt && <span className="visually-hidden"> (resolved)</span>}
        </h3>
        <time dateTime={alert.createdAt} className={styles.time}>
          {formatAsOf(alert.createdAt)}
        </time>
      </div>
      {where && <p className={styles.where}>{where}</p>}
      <p className={styles.message}>{alert.message}</p>
      {explanation && <p className={styles.explain}>{explanation}</p>}
      {alert.bankId && BANK_PAGE_KINDS.has(alert.kind) && (
        <p>
          <AppLink href={bankHref(alert.bankId)} data-testid={`alert-bank-${alert.id}`}>
            Controller and event log{bankName ? ` of ${bankName}` : ''}
          </AppLink>
        </p>
      )}
      {alert.resolvedAt ? (
        <p className={styles.resolved}>
          Resolved <time dateTime={alert.resolvedAt}>{formatAsOf(alert.resolvedAt)}</time>
        </p>
      ) : (
        <button
          type="button"
          className="button"
          onClick={() => void run()}
          disabled={fetching}
          data-testid={`alert-resolve-${alert.id}`}
        >
          {fetching ? 'Resolving…' : 'Resolve'}
        </button>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </li>
  );
}
