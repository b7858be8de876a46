'use client';

import { useRef, useState, type FormEvent } from 'react';
import { useClient, useMutation, useQuery } from 'urql';
import type {
  EffectiveLoanPolicyQuery as Effective,
  LoanPoliciesQuery as Policies,
  LoanPolicyInput,
  Role,
} from '@/gql/graphql';
import { errorMessage } from '@/lib/errors';
import desk from '@/features/desk/desk.module.css';
import tables from '@/features/parcels/parcels.module.css';
import people from '@/features/people/people.module.css';
import {
  DeleteLoanPolicyMutation,
  EffectiveLoanPolicyQuery,
  LoanPoliciesQuery,
  SaveLoanPolicyMutation,
} from './documents';
import { Choice, FormOutcome, TextField } from './fields';
import { Faults } from './Faults';
import { SiteHours } from './SiteHours';

const ROLES: Role[] = ['STUDENT', 'STAFF', 'IT', 'MAILROOM', 'COURIER', 'ADMIN', 'DEPARTMENT'];
const NUMBERS = [
  ['maxLoanHours', 'Longest loan (hours)'],
  ['maxItems', 'Items per person'],
  ['renewals', 'Renewals'],
  ['renewalHours', 'Hours a renewal adds'],
  ['renewWindowHours', 'Renewal opens (hours before due)'],
  ['escalateAfterHours', 'Tell the department after (hours overdue)'],
  ['offerHoldMinutes', 'Waitlist offer held (minutes)'],
  ['noShowMinutes', 'No-show released after (minutes)'],
] as const;
const FLAGS = [
  ['eligible', 'May borrow'],
  ['requiresAgreement', 'Agreement first'],
  ['blockWhenOverdue', 'No new loan while one is overdue'],
] as const;
type NumberKey = (typeof NUMBERS)[number][0];
/** How each setting reads, in the table of what applies. */
const SETTING_LABEL: Record<string, string> = Object.fromEntries([
  ...NUMBERS,
  ['eligible', 'May borrow'],
  ['requiresAgreement', 'Agreement first'],
  ['blockWhenOverdue', 'No new loan while one is overdue'],
  ['dueBy', 'Due by'],
  ['reminders', 'Reminders'],
]);
type FlagKey = (typeof FLAGS)[number][0];

interface Draft {
  id: string | null;
  version: number | null;
  category: string;
  role: Role | '';
  siteId: string;
  dueBy: string;
  reminders: string;
  note: string;
  numbers: Record<NumberKey, string>;
  /** '' is "not set here". */
  flags: Record<FlagKey, '' | 'yes' | 'no'>;
}

const EMPTY: Draft = {
  id: null,
  version: null,
  category: '',
  role: '',
  siteId: '',
  dueBy: '',
  reminders: '',
  note: '',
  numbers: {
    maxLoanHours: '',
    maxItems: '',
    renewals: '',
    renewalHours: '',
    renewWindowHours: '',
    escalateAfterHours: '',
    offerHoldMinutes: '',
    noShowMinutes: '',
  },
  flags: { eligible: '', requiresAgreement: '', blockWhenOverdue: '' },
};

const ROLE_OPTIONS = ROLES.map((r) => ({ value: r, name: r }));

const shown = (v: string | number | boolean | null | undefined) =>
  v === null || v === undefined ? '—' : v === true ? 'yes' : v === false ? 'no' : String(v);
const withUnit = (v: number | null | undefined, unit: string) => (v ? `${v} ${unit}` : '—');

type Policy = Policies['loanPolicies'][number];
/** The rules table: each column's heading and cell. */
const COLUMNS: readonly [string, (p: Policy) => string][] = [
  ['Category', (p) => p.category ?? 'any'],
  ['Role', (p) => p.role ?? 'any'],
  ['Site', (p) => p.site?.name ?? 'any'],
  ['May borrow', (p) => shown(p.eligible)],
  ['Longest loan', (p) => withUnit(p.maxLoanHours, 'h')],
  ['Due by', (p) => shown(p.dueBy)],
  ['Items', (p) => shown(p.maxItems)],
  ['Renewals', (p) => shown(p.renewals)],
  ['Reminders', (p) => shown(p.reminders)],
  ['Tell the department after', (p) => withUnit(p.escalateAfterHours, 'h')],
  ['Offer held', (p) => withUnit(p.offerHoldMinutes, 'min')],
  ['No-show after', (p) => withUnit(p.noShowMinutes, 'min')],
];

/** IT and ADMIN: the loan rules, a form to add or change one, and what they add up to for a case. */
export function LoanRules() {
  const [result, reexecute] = useQuery({ query: LoanPoliciesQuery, requestPolicy: 'cache-and-network' });
  const refetch = () => reexecute({ requestPolicy: 'network-only' });
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [problem, setProblem] = useState<{ field: string | null; message: string } | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [{ fetching }, save] = useMutation(SaveLoanPolicyMutation);
  const [, remove] = useMutation(DeleteLoanPolicyMutation);
  const form = useRef<HTMLFormElement>(null);
  const client = useClient();
  const [ask, setAsk] = useState<{ category: string; role: Role; siteId: string }>({
    category: 'laptop',
    role: 'STUDENT',
    siteId: '',
  });
  const [answer, setAnswer] = useState<Effective['effectiveLoanPolicy'] | null>(null);

  const policies = result.data?.loanPolicies;
  const siteOptions = (result.data?.sites ?? []).map((site) => ({ value: site.id, name: site.name }));

  const edit = (p: NonNullable<typeof policies>[number]) => {
    setDraft({
      id: p.id,
      version: p.version,
      category: p.category ?? '',
      role: p.role ?? '',
      siteId: p.site?.id ?? '',
      dueBy: p.dueBy ?? '',
      reminders: p.reminders ?? '',
      note: p.note,
      numbers: Object.fromEntries(
        NUMBERS.map(([k]) => [k, p[k] === null || p[k] === undefined ? '' : String(p[k])]),
      ) as Draft['numbers'],
      flags: Object.fromEntries(
        FLAGS.map(([k]) => [k, p[k] === null || p[k] === undefined ? '' : p[k] ? 'yes' : 'no']),
      ) as Draft['flags'],
    });
    setProblem(null);
    setSaved(null);
    setTimeout(() => form.current?.querySelector<HTMLInputElement>('#rule-category')?.focus(), 0);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    setSaved(null);
    const input: LoanPolicyInput = {
      category: draft.category.trim() || null,
      role: draft.role || null,
      siteId: draft.siteId || null,
      dueBy: draft.dueBy.trim() || null,
      reminders: draft.reminders.trim() || null,
      note: draft.note,
    };
    for (const [k] of NUMBERS) {
      const raw = draft.numbers[k].trim();
      if (raw && !/^-?\d+$/.test(raw)) {
        setProblem({ field: k, message: 'Give a whole number, or leave it empty.' });
        return;
      }
      input[k] = raw ? Number(raw) : null;
    }
    for (const [k] of FLAGS) input[k] = draft.flags[k] === '' ? null : draft.flags[k] === 'yes';
    const r = await save({ id: draft.id, version: draft.version, input });
    const outcome = r.data?.saveLoanPolicy;
    if (r.error) setProblem({ field: null, message: errorMessage(r.error) });
    else if (outcome?.__typename === 'LoanPolicyRefused') {
      setProblem({ field: outcome.field ?? null, message: outcome.message });
      if (outcome.field) form.current?.querySelector<HTMLElement>(`[name="${outcome.field}"]`)?.focus();
    } else if (outcome?.__typename === 'LoanPolicySaved') {
      setSaved(draft.id ? 'Rule changed.' : 'Rule added.');
      setDraft(EMPTY);
      refetch();
    }
  };

  const check = async (event: FormEvent) => {
    event.preventDefault();
    const r = await client
      .query(
        EffectiveLoanPolicyQuery,
        { category: ask.category, role: ask.role, siteId: ask.siteId || null },
        { requestPolicy: 'network-only' },
      )
      .toPromise();
    if (r.data) setAnswer(r.data.effectiveLoanPolicy);
  };

  const invalid = (field: string) => problem?.field === field;

  return (
    <div className={desk.page}>
      <h1 className={desk.title}>Loan rules</h1>
      <p className="hint">
        A rule names a category, a role and a site (empty: any) and sets some settings (empty: not set here). For each
        setting, the most specific rule that sets it wins: a category counts most, then a site, then a role. Nobody may
        borrow until a rule says so.
      </p>
      {!policies ? (
        <p className={result.error ? 'error' : 'hint'} role={result.error ? 'alert' : 'status'}>
          {result.error ? errorMessage(result.error) : 'Loading…'}
        </p>
      ) : policies.length === 0 ? (
        <p className="panel" data-testid="rules-empty">
          No rules yet: nobody may borrow anything.
        </p>
      ) : (
        <div className={tables.tableWrap}>
          <table className={tables.table} data-testid="rules-table">
            <thead>
              <tr>
                {COLUMNS.map(([name]) => (
                  <th scope="col" key={name}>
                    {name}
                  </th>
                ))}
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {policies.map((p) => (
                <tr key={p.id} data-testid={`rule-${p.category ?? 'any'}-${p.role ?? 'any'}-${p.site?.name ?? 'any'}`}>
                  {COLUMNS.map(([name, cell]) => (
                    <td data-label={name} key={name}>
                      <span>{cell(p)}</span>
                    </td>
                  ))}
                  <td data-label="Actions">
                    <span>
                      <button type="button" className="button-link" onClick={() => edit(p)}>
                        Edit<span className="visually-hidden"> the rule for {p.category ?? 'any category'}</span>
                      </button>{' '}
                      <button
                        type="button"
                        className="button-link"
                        onClick={() => void remove({ id: p.id }).then(refetch)}
                      >
                        Delete<span className="visually-hidden"> the rule for {p.category ?? 'any category'}</span>
                      </button>
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <form ref={form} className={people.form} onSubmit={(e) => void submit(e)} noValidate aria-labelledby="rule-form">
        <h2 id="rule-form">{draft.id ? 'Change the rule' : 'Add a rule'}</h2>
        <TextField
          id="rule-category"
          name="category"
          label="Category"
          value={draft.category}
          placeholder="any (e.g. laptop)"
          invalid={invalid('category')}
          onChange={(category) => setDraft({ ...draft, category })}
        />
        <Choice
          id="rule-role"
          label="Role"
          value={draft.role}
          empty="any"
          options={ROLE_OPTIONS}
          onChange={(role) => setDraft({ ...draft, role: role as Role | '' })}
        />
        <Choice
          id="rule-site"
          label="Site"
          value={draft.siteId}
          empty="any"
          options={siteOptions}
          onChange={(siteId) => setDraft({ ...draft, siteId })}
        />
        {FLAGS.map(([k, label]) => (
          <div className="field" key={k}>
            <label htmlFor={`rule-${k}`}>{label}</label>
            <select
              id={`rule-${k}`}
              name={k}
              value={draft.flags[k]}
              onChange={(e) =>
                setDraft({ ...draft, flags: { ...draft.flags, [k]: e.target.value as '' | 'yes' | 'no' } })
              }
              data-testid={`rule-${k}`}
            >
              <option value="">not set here</option>
              <option value="yes">yes</option>
              <option value="no">no</option>
            </select>
          </div>
        ))}
        {NUMBERS.map(([k, label]) => (
          <TextField
            key={k}
            id={`rule-${k}`}
            name={k}
            label={label}
            inputMode="numeric"
            value={draft.numbers[k]}
            placeholder="not set here"
            invalid={invalid(k)}
            onChange={(v) => setDraft({ ...draft, numbers: { ...draft.numbers, [k]: v } })}
          />
        ))}
        <TextField
          id="rule-dueBy"
          name="dueBy"
          label="Due by (HH:MM, site time)"
          value={draft.dueBy}
          placeholder="not set here"
          invalid={invalid('dueBy')}
          onChange={(dueBy) => setDraft({ ...draft, dueBy })}
        />
        <TextField
          id="rule-reminders"
          name="reminders"
          label="Reminders (offsets from the due time)"
          value={draft.reminders}
          placeholder="not set here (e.g. -24h,0,+1h,daily)"
          invalid={invalid('reminders')}
          hint="Hours (h) or days (d) before (-) or after (+) the due time; end with daily to remind once a day while overdue. A person gets one digest a day for all their loans."
          onChange={(reminders) => setDraft({ ...draft, reminders })}
        />
        <FormOutcome prefix="rule" problem={problem?.message} saved={saved} />
        <button type="submit" className="button" disabled={fetching} data-testid="rule-save">
          {draft.id ? 'Save the rule' : 'Add the rule'}
        </button>
        {draft.id && (
          <button type="button" className="button button-secondary" onClick={() => setDraft(EMPTY)}>
            Cancel
          </button>
        )}
      </form>

      <form className={people.form} onSubmit={(e) => void check(e)} aria-labelledby="rule-check">
        <h2 id="rule-check">What applies?</h2>
        <TextField
          id="check-category"
          label="Category"
          value={ask.category}
          onChange={(category) => setAsk({ ...ask, category })}
        />
        <Choice
          id="check-role"
          label="Role"
          value={ask.role}
          empty={null}
          options={ROLE_OPTIONS}
          onChange={(role) => setAsk({ ...ask, role: role as Role })}
        />
        <Choice
          id="check-site"
          label="Site"
          value={ask.siteId}
          empty="none"
          options={siteOptions}
          onChange={(siteId) => setAsk({ ...ask, siteId })}
        />
        <button type="submit" className="button button-secondary" data-testid="check-submit">
          Show what applies
        </button>
        {answer && (
          <table className={tables.table} data-testid="check-result">
            <caption>{answer.eligible ? 'May borrow' : 'May not borrow'}</caption>
            <thead>
              <tr>
                <th scope="col">Setting</th>
                <th scope="col">Value</th>
                <th scope="col">Decided by</th>
              </tr>
            </thead>
            <tbody>
              {answer.decidedBy.map((d) => (
                <tr key={d.setting} data-testid={`check-${d.setting}`}>
                  <td>{SETTING_LABEL[d.setting] ?? d.setting}</td>
                  <td>{shown(answer[d.setting as Exclude<keyof typeof answer, 'decidedBy' | '__typename'>])}</td>
                  <td>{d.scope}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </form>

      <SiteHours sites={siteOptions} />
      <Faults />
    </div>
  );
}
