'use client';

import { useEffect } from 'react';
import { useQuery } from 'urql';
import { formatAsOf } from '@/features/board/describe';
import { DevOutboxQuery } from './documents';
import { findCode } from './messages';

const POLL_MS = 3_000;
const LATEST = 5;

/**
 * Demo aid: when the server keeps mail in its dev outbox (no SMTP), show the
 * latest messages for this address. A server without the outbox answers with
 * an error, and then the panel is simply not there.
 */
export function DevOutboxPanel({ email, onUseCode }: { email: string; onUseCode: (code: string) => void }) {
  const [result, refetch] = useQuery({
    query: DevOutboxQuery,
    variables: { to: email, limit: LATEST },
    requestPolicy: 'network-only',
  });

  // A GraphQL error means the server has no dev outbox (FORBIDDEN): stop asking.
  const unavailable = (result.error?.graphQLErrors.length ?? 0) > 0;

  // Mail may land a moment after the request: poll while the panel is up.
  useEffect(() => {
    if (unavailable) return;
    const timer = setInterval(() => refetch({ requestPolicy: 'network-only' }), POLL_MS);
    return () => clearInterval(timer);
  }, [refetch, unavailable]);

  const messages = result.data?.devOutbox;
  if (result.error || !messages) return null;

  return (
    <details className="dev-outbox" data-testid="dev-outbox">
      <summary>Demo: open dev outbox</summary>
      <p className="hint">Mail the server would have sent to {email} (development and demo only).</p>
      {messages.length === 0 ? (
        <p>No messages yet.</p>
      ) : (
        <ol className="dev-outbox-list">
          {messages.map((m) => {
            const code = findCode(m.text);
            return (
              <li key={m.id} data-testid="dev-outbox-message">
                <p className="dev-outbox-subject">
                  <strong>{m.subject}</strong> · <time dateTime={m.createdAt}>{formatAsOf(m.createdAt)}</time>
                </p>
                <pre>{m.text}</pre>
                {code && (
                  <button type="button" className="button button-secondary" onClick={() => onUseCode(code)}>
                    Use code {code}
                  </button>
                )}
              </li>
            );
          })}
        </ol>
      )}
    </details>
  );
}
