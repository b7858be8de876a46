'use client';

import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { useQuery } from 'urql';
import { formatAsOf } from '@/features/board/describe';
import tables from '@/features/parcels/parcels.module.css';
import { errorMessage } from '@/lib/errors';
import { LockerEventLogQuery } from './documents';
import { PROBLEM_LABEL, eventKindText, eventNotes, eventProblem, eventWhereText, type LockerEvent } from './describe';
import styles from './bank.module.css';

/** Events per page (the API allows 1–500). */
export const EVENT_PAGE_SIZE = 50;

interface PageState {
  count: number;
  endCursor: string | null;
  hasNextPage: boolean;
  fetching: boolean;
  failed: boolean;
}

/**
 * A bank's whole event log, newest first, a page at a time: "Load older"
 * fetches the page after the last one shown; "Problems only" shows rejected,
 * flagged, unrecognised and lost-range entries.
 */
export function EventLog({ bankId }: { bankId: string }) {
  const id = useId();
  const [problemsOnly, setProblemsOnly] = useState(false);
  // The cursor of each page shown: null for the newest.
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [pages, setPages] = useState<Record<number, PageState>>({});
  const [refreshKey, setRefreshKey] = useState(0);
  const [announcement, setAnnouncement] = useState('');
  const loadingOlder = useRef(false);
  const endRef = useRef<HTMLParagraphElement>(null);

  const onPage = useCallback((index: number, state: PageState) => {
    setPages((current) => {
      const known = current[index];
      if (
        known &&
        known.count === state.count &&
        known.endCursor === state.endCursor &&
        known.hasNextPage === state.hasNextPage &&
        known.fetching === state.fetching &&
        known.failed === state.failed
      ) {
        return current;
      }
      return { ...current, [index]: state };
    });
  }, []);

  const restart = (nextProblemsOnly: boolean) => {
    setProblemsOnly(nextProblemsOnly);
    setCursors([null]);
    setPages({});
    setAnnouncement(nextProblemsOnly ? 'Showing problems only.' : 'Showing every event.');
  };

  const last = pages[cursors.length - 1];
  const total = cursors.reduce((n, _, i) => n + (pages[i]?.count ?? 0), 0);

  // Say what "Load older" brought, once it has arrived; at the start of the log, move focus to where the button was.
  useEffect(() => {
    if (!loadingOlder.current || !last || last.fetching) return;
    loadingOlder.current = false;
    setAnnouncement(
      `${last.count} older ${last.count === 1 ? 'event' : 'events'} loaded, ${total} shown.` +
        (last.hasNextPage ? '' : ' This is the start of the log.'),
    );
    if (!last.hasNextPage) endRef.current?.focus();
  }, [last, total]);

  const loadOlder = () => {
    if (!last?.endCursor) return;
    loadingOlder.current = true;
    setCursors((c) => [...c, last.endCursor]);
  };

  return (
    <section className={styles.section} aria-labelledby={`${id}-title`} data-testid="event-log">
      <div className={styles.logHeader}>
        <h2 id={`${id}-title`} className={styles.sectionTitle}>
          Event log
        </h2>
        <div className={styles.logTools}>
          <label className={styles.toggle}>
            <input
              type="checkbox"
              checked={problemsOnly}
              onChange={(e) => restart(e.target.checked)}
              data-testid="event-log-problems"
            />
            Problems only
          </label>
          <button
            type="button"
            className="button button-secondary"
            onClick={() => {
              setCursors([null]);
              setPages({});
              setRefreshKey((k) => k + 1);
              setAnnouncement('Event log refreshed.');
            }}
            data-testid="event-log-refresh"
          >
            Refresh
          </button>
        </div>
      </div>
      <p className={styles.muted}>
        Newest first. Times are the server’s; an event whose controller clock was off shows the corrected time and says
        so.
      </p>
      <p className="visually-hidden" role="status" data-testid="event-log-status">
        {announcement}
      </p>

      <div
        className={tables.tableWrap}
        role="region"
        aria-labelledby={`${id}-title`}
        // The table may scroll sideways on a narrow screen: reachable by keyboard.
        tabIndex={0}
      >
        <table className={`${tables.table} ${styles.logTable}`} data-testid="event-log-table">
          <caption className="visually-hidden">
            {problemsOnly ? 'Problem events of this bank, newest first' : 'Events of this bank, newest first'}
          </caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Where</th>
              <th scope="col">What</th>
              <th scope="col">Details</th>
              <th scope="col">Seq</th>
            </tr>
          </thead>
          {cursors.map((after, index) => (
            <EventPage
              key={`${refreshKey}-${problemsOnly}-${after ?? 'first'}`}
              bankId={bankId}
              after={after}
              problemsOnly={problemsOnly}
              refresh={refreshKey}
              onState={(state) => onPage(index, state)}
            />
          ))}
        </table>
      </div>

      {last?.failed ? null : last && !last.fetching && total === 0 ? (
        <p className="panel" data-testid="event-log-empty">
          {problemsOnly ? 'No problems in this bank’s log.' : 'No events yet.'}
        </p>
      ) : null}
      {last?.hasNextPage ? (
        <button
          type="button"
          className="button button-secondary"
          onClick={loadOlder}
          disabled={last.fetching}
          data-testid="event-log-older"
        >
          {last.fetching ? 'Loading…' : 'Load older events'}
        </button>
      ) : last && !last.fetching && total > 0 ? (
        <p ref={endRef} tabIndex={-1} className={styles.muted} data-testid="event-log-end">
          Start of the log: {total} {total === 1 ? 'event' : 'events'} shown.
        </p>
      ) : null}
    </section>
  );
}

function EventPage({
  bankId,
  after,
  problemsOnly,
  refresh,
  onState,
}: {
  bankId: string;
  after: string | null;
  problemsOnly: boolean;
  refresh: number;
  onState: (state: PageState) => void;
}) {
  const [result, reexecute] = useQuery({
    query: LockerEventLogQuery,
    variables: { bankId, first: EVENT_PAGE_SIZE, after, problemsOnly },
    requestPolicy: refresh > 0 ? 'network-only' : 'cache-and-network',
  });
  const page = result.data?.lockerEventLog;
  const events = page?.events;
  const count = events?.length ?? 0;
  const endCursor = page?.endCursor ?? null;
  const hasNextPage = page?.hasNextPage ?? false;
  const failed = !page && !!result.error;
  useEffect(() => {
    onState({ count, endCursor, hasNextPage, fetching: !page && result.fetching, failed });
  }, [onState, count, endCursor, hasNextPage, page, result.fetching, failed]);

  if (!page) {
    return (
      <tbody>
        <tr>
          <td colSpan={5}>
            {result.error ? (
              <span className={styles.logError} role="alert">
                The event log could not be loaded: {errorMessage(result.error)}{' '}
                <button
                  type="button"
                  className="button-link"
                  onClick={() => reexecute({ requestPolicy: 'network-only' })}
                >
                  Try again
                </button>
              </span>
            ) : (
              <span role="status">Loading events…</span>
            )}
          </td>
        </tr>
      </tbody>
    );
  }
  return (
    <tbody>
      {events!.map((e) => (
        <EventRow key={e.id} event={e} />
      ))}
    </tbody>
  );
}

function EventRow({ event: e }: { event: LockerEvent }) {
  const problem = eventProblem(e);
  const notes = eventNotes(e);
  const late = Date.parse(e.receivedAt) - Date.parse(e.occurredAt) > 60_000;
  return (
    <tr data-testid={`event-${e.id}`} data-kind={e.kind} data-problem={problem ?? undefined}>
      <td data-label="When">
        <span>
          <time dateTime={e.occurredAt}>{formatAsOf(e.occurredAt)}</time>
          {late && (
            <span className={styles.cellNote}>
              arrived <time dateTime={e.receivedAt}>{formatAsOf(e.receivedAt)}</time>
            </span>
          )}
        </span>
      </td>
      <td data-label="Where">
        <span>{eventWhereText(e)}</span>
      </td>
      <td data-label="What">
        <span>
          {eventKindText(e)}
          {problem && (
            <span className={styles.problem} data-problem={problem}>
              {PROBLEM_LABEL[problem]}
            </span>
          )}
        </span>
      </td>
      <td data-label="Details">
        {notes.length === 0 ? (
          <span className={styles.muted}>—</span>
        ) : (
          <ul className={styles.notes}>
            {notes.map((n, i) => (
              <li key={i}>{n}</li>
            ))}
          </ul>
        )}
      </td>
      <td data-label="Seq">
        <span>{e.seq !== null ? `#${e.seq}` : <span className={styles.muted}>server</span>}</span>
      </td>
    </tr>
  );
}
