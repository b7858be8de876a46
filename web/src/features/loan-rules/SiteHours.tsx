'use client';

import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { errorCode, errorMessage } from '@/lib/errors';
import tables from '@/features/parcels/parcels.module.css';
import people from '@/features/people/people.module.css';
import type { CombinedError } from '@urql/core';
import {
  AddBlackoutDayMutation,
  RemoveBlackoutDayMutation,
  SetSiteHoursMutation,
  SiteCalendarQuery,
} from './documents';
import { FormOutcome, TextField } from './fields';

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;

interface DayDraft {
  open: boolean;
  opens: string;
  closes: string;
}

type Problem = { id: string | null; message: string } | null;

/** The field the server named in a BAD_USER_INPUT, if any. */
const fieldOf = (error: CombinedError) => {
  const field = error.graphQLErrors[0]?.extensions?.field;
  return errorCode(error) === 'BAD_USER_INPUT' && typeof field === 'string' ? field : null;
};

/** IT and ADMIN: a site's opening hours per weekday and its closed days (due dates move off them). */
export function SiteHours({ sites }: { sites: readonly { value: string; name: string }[] }) {
  const [siteId, setSiteId] = useState('');
  const site = siteId || sites[0]?.value || '';
  const [result] = useQuery({
    query: SiteCalendarQuery,
    variables: { siteId: site },
    pause: !site,
    requestPolicy: 'cache-and-network',
  });
  const calendar = result.data?.siteCalendar;
  const [days, setDays] = useState<DayDraft[]>([]);
  const [problem, setProblem] = useState<Problem>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [closed, setClosed] = useState({ day: '', reason: '' });
  const [dayProblem, setDayProblem] = useState<Problem>(null);
  const [{ fetching }, saveHours] = useMutation(SetSiteHoursMutation);
  const [, addDay] = useMutation(AddBlackoutDayMutation);
  const [, removeDay] = useMutation(RemoveBlackoutDayMutation);
  const form = useRef<HTMLFormElement>(null);
  const dayForm = useRef<HTMLFormElement>(null);

  // The form starts from what the site has, whenever another site (or a new answer) comes.
  useEffect(() => {
    if (!calendar) return;
    setDays(
      WEEKDAYS.map((_, weekday) => {
        const h = calendar.hours.find((x) => x.weekday === weekday);
        return h ? { open: true, opens: h.opens, closes: h.closes } : { open: false, opens: '09:00', closes: '17:00' };
      }),
    );
  }, [calendar]);

  const focus = (root: HTMLFormElement | null, id: string) =>
    setTimeout(() => root?.querySelector<HTMLElement>(`#${id}`)?.focus(), 0);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    setSaved(null);
    const open = days.map((d, weekday) => ({ ...d, weekday })).filter((d) => d.open);
    const r = await saveHours({
      siteId: site,
      hours: open.map(({ weekday, opens, closes }) => ({ weekday, opens, closes })),
    });
    if (r.error) {
      // The server names the list entry (hours.<index>.<name>): the weekday's input of that name.
      const m = /^hours\.(\d+)\.(weekday|opens|closes)$/.exec(fieldOf(r.error) ?? '');
      const day = m ? open[Number(m[1])] : undefined;
      const id = day ? `hours-${day.weekday}-${m![2] === 'weekday' ? 'open' : m![2]}` : null;
      setProblem({ id, message: errorMessage(r.error) });
      if (id) focus(form.current, id);
    } else setSaved(open.length ? 'Opening hours saved.' : 'Saved: no hours, so the site counts as always open.');
  };

  const close = async (event: FormEvent) => {
    event.preventDefault();
    setDayProblem(null);
    const r = await addDay({ siteId: site, day: closed.day, reason: closed.reason });
    if (r.error) {
      const field = fieldOf(r.error);
      const id = field === 'day' || field === 'reason' ? `blackout-${field}` : null;
      setDayProblem({ id, message: errorMessage(r.error) });
      if (id) focus(dayForm.current, id);
    } else setClosed({ day: '', reason: '' });
  };

  const invalid = (p: Problem, id: string) => (p?.id === id ? true : undefined);

  return (
    <section className={people.form} aria-labelledby="site-hours">
      <h2 id="site-hours">Site hours and closed days</h2>
      <p className="hint">
        Loans are never due while a site is closed: a due time that falls on a closed day or outside the hours moves to
        the last open time before it. A site with no open day ticked counts as open every day, all day.
      </p>
      {sites.length === 0 ? (
        <p className="hint">No sites yet.</p>
      ) : (
        <div className="field">
          <label htmlFor="hours-site">Site</label>
          <select id="hours-site" value={site} onChange={(e) => setSiteId(e.target.value)} data-testid="hours-site">
            {sites.map((s) => (
              <option key={s.value} value={s.value}>
                {s.name}
              </option>
            ))}
          </select>
        </div>
      )}
      {result.error && (
        <p className="error" role="alert">
          {errorMessage(result.error)}
        </p>
      )}
      {calendar && days.length === 7 && (
        <>
          <form ref={form} onSubmit={(e) => void submit(e)} noValidate aria-labelledby="hours-title">
            <h3 id="hours-title">Opening hours ({calendar.timezone})</h3>
            <table className={tables.table} data-testid="hours-table">
              <thead>
                <tr>
                  <th scope="col">Day</th>
                  <th scope="col">Open</th>
                  <th scope="col">Opens</th>
                  <th scope="col">Closes</th>
                </tr>
              </thead>
              <tbody>
                {days.map((d, weekday) => {
                  const name = WEEKDAYS[weekday];
                  const set = (change: Partial<DayDraft>) =>
                    setDays(days.map((x, i) => (i === weekday ? { ...x, ...change } : x)));
                  return (
                    <tr key={name}>
                      <th scope="row">{name}</th>
                      <td>
                        <input
                          type="checkbox"
                          id={`hours-${weekday}-open`}
                          checked={d.open}
                          aria-label={`Open on ${name}`}
                          aria-invalid={invalid(problem, `hours-${weekday}-open`)}
                          onChange={(e) => set({ open: e.target.checked })}
                          data-testid={`hours-${weekday}-open`}
                        />
                      </td>
                      {(['opens', 'closes'] as const).map((k) => (
                        <td key={k}>
                          <input
                            type="time"
                            id={`hours-${weekday}-${k}`}
                            value={d[k]}
                            disabled={!d.open}
                            aria-label={`${name} ${k}`}
                            aria-invalid={invalid(problem, `hours-${weekday}-${k}`)}
                            onChange={(e) => set({ [k]: e.target.value })}
                            data-testid={`hours-${weekday}-${k}`}
                          />
                        </td>
                      ))}
                    </tr>
                  );
                })}
              </tbody>
            </table>
            <FormOutcome prefix="hours" problem={problem?.message} saved={saved} />
            <button type="submit" className="button" disabled={fetching} data-testid="hours-save">
              Save the hours
            </button>
          </form>

          <form ref={dayForm} onSubmit={(e) => void close(e)} noValidate aria-labelledby="blackout-title">
            <h3 id="blackout-title">Closed days</h3>
            {calendar.blackoutDays.length === 0 ? (
              <p className="hint" data-testid="blackout-empty">
                No closed days coming.
              </p>
            ) : (
              <ul data-testid="blackout-list">
                {calendar.blackoutDays.map((b) => (
                  <li key={b.day} data-testid={`blackout-${b.day}`}>
                    {b.day}
                    {b.reason ? ` — ${b.reason}` : ''}{' '}
                    <button
                      type="button"
                      className="button-link"
                      onClick={() => void removeDay({ siteId: site, day: b.day })}
                    >
                      Open again<span className="visually-hidden"> on {b.day}</span>
                    </button>
                  </li>
                ))}
              </ul>
            )}
            <TextField
              id="blackout-day"
              type="date"
              label="Day (YYYY-MM-DD)"
              value={closed.day}
              invalid={invalid(dayProblem, 'blackout-day')}
              onChange={(day) => setClosed({ ...closed, day })}
            />
            <TextField
              id="blackout-reason"
              label="Reason"
              value={closed.reason}
              placeholder="e.g. Public holiday"
              invalid={invalid(dayProblem, 'blackout-reason')}
              onChange={(reason) => setClosed({ ...closed, reason })}
            />
            <FormOutcome prefix="blackout" problem={dayProblem?.message} />
            <button type="submit" className="button button-secondary" data-testid="blackout-add">
              Close on this day
            </button>
          </form>
        </>
      )}
    </section>
  );
}
