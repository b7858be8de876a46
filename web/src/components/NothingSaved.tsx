'use client';

/**
 * A page's first query found nothing in the offline copy and could not reach
 * the server (the offline cache then answers from the cache alone: no data,
 * no error): say so plainly instead of "Loading…" for ever. "Offline" means
 * what the connection banner means by it: no answer from the Baylight server,
 * whether the device has no network or the server is out of reach. Queries run
 * again by themselves when the browser comes back online; "Try again" is for
 * the other case.
 */
export function NothingSaved({ what, onRetry }: { what: string; onRetry: () => void }) {
  return (
    <div className="panel" role="status" data-testid="nothing-saved">
      <p>You are offline and nothing is saved on this device yet — connect once to see {what}.</p>
      <button type="button" className="button button-secondary" onClick={onRetry}>
        Try again
      </button>
    </div>
  );
}
