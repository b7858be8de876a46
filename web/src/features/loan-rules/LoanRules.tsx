'use client';

import { useRef, useState, type FormEvent } from 'react';
import { useClient, useMutation, useQuery } from 'urql';
import type { EffectiveLoanPolicyQuery as Effective, LoanPolicyInput, Role } from '@/gql/graphql';
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

const ROLES: Role[] = ['STUDENT', 'STAFF', 'IT', 'MAILROOM', 'COURIER', 'ADMIN', 'DEPARTMENT'];
const NUMBERS = [
  ['maxLoanHours', 'Longest loan (hours)'],
  ['maxItems', 'Items per person'],
  ['renewals', 'Renewals'],
  ['renewalHours', 'Hours a renewal adds'],
  ['renewWindowHours', 'Renewal opens (hours before due)'],
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
]);
type FlagKey = (typeof FLAGS)[number][0];

interface Draft {
  id: string | null;
  version: number | null;
  category: string;
  role: Role | '';
  siteId: string;
  dueBy: string;
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
  note: '',
  numbers: { maxLoanHours: '', maxItems: '', renewals: '', renewalHours: '', renewWindowHours: '' },
  flags: { eligible: '', requiresAgreement: '', blockWhenOverdue: '' },
};

/** A labelled select of named options, with an empty first option (any, none). */
function Choice({
  id,
  label,
  value,
  empty,
  options,
  onChange,
}: {
  id: string;
  label: string;
  value: string;
  empty: string | null;
  options: readonly { value: string; name: string }[];
  onChange: (value: string) => void;
}) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)} data-testid={id}>
        {empty !== null && <option value="">{empty}</option>}
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.name}
          </option>
        ))}
      </select>
    </div>
  );
}

const ROLE_OPTIONS = ROLES.map((r) => ({ value: r, name: r }));

const shown = (v: string | number | boolean | null | undefined) =>
  v === null || v === undefined ? '—' : v === true ? 'yes' : v === false ? 'no' : String(v);

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

  const invalid = (field: string) => (problem?.field === field ? true : undefined);

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
                <th scope="col">Category</th>
                <th scope="col">Role</th>
                <th scope="col">Site</th>
                <th scope="col">May borrow</th>
                <th scope="col">Longest loan</th>
                <th scope="col">Due by</th>
                <th scope="col">Items</th>
                <th scope="col">Renewals</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {policies.map((p) => (
                <tr key={p.id} data-testid={`rule-${p.category ?? 'any'}-${p.role ?? 'any'}-${p.site?.name ?? 'any'}`}>
                  <td data-label="Category">
                    <span>{p.category ?? 'any'}</span>
                  </td>
                  <td data-label="Role">
                    <span>{p.role ?? 'any'}</span>
                  </td>
                  <td data-label="Site">
                    <span>{p.site?.name ?? 'any'}</span>
                  </td>
                  <td data-label="May borrow">
                    <span>{shown(p.eligible)}</span>
                  </td>
                  <td data-label="Longest loan">
                    <span>{p.maxLoanHours ? `${p.maxLoanHours} h` : '—'}</span>
                  </td>
                  <td data-label="Due by">
                    <span>{shown(p.dueBy)}</span>
                  </td>
                  <td data-label="Items">
                    <span>{shown(p.maxItems)}</span>
                  </td>
                  <td data-label="Renewals">
                    <span>{shown(p.renewals)}</span>
                  </td>
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
        <div className="field">
          <label htmlFor="rule-category">Category</label>
          <input
            id="rule-category"
            name="category"
            value={draft.category}
            placeholder="any (e.g. laptop)"
            aria-invalid={invalid('category')}
            onChange={(e) => setDraft({ ...draft, category: e.target.value })}
            data-testid="rule-category"
          />
        </div>
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
          <div className="field" key={k}>
            <label htmlFor={`rule-${k}`}>{label}</label>
            <input
              id={`rule-${k}`}
              name={k}
              inputMode="numeric"
              value={draft.numbers[k]}
              placeholder="not set here"
              aria-invalid={invalid(k)}
              onChange={(e) => setDraft({ ...draft, numbers: { ...draft.numbers, [k]: e.target.value } })}
              data-testid={`rule-${k}`}
            />
          </div>
        ))}
        <div className="field">
          <label htmlFor="rule-dueBy">Due by (HH:MM, site time)</label>
          <input
            id="rule-dueBy"
            name="dueBy"
            value={draft.dueBy}
            placeholder="not set here"
            aria-invalid={invalid('dueBy')}
            onChange={(e) => setDraft({ ...draft, dueBy: e.target.value })}
            data-testid="rule-dueBy"
          />
        </div>
        {problem && (
          <p className="error" role="alert" data-testid="rule-problem">
            {problem.message}
          </p>
        )}
        {saved && (
          <p className="hint" role="status" data-testid="rule-saved">
            {saved}
          </p>
        )}
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
        <div className="field">
          <label htmlFor="check-category">Category</label>
          <input
            id="check-category"
            value={ask.category}
            onChange={(e) => setAsk({ ...ask, category: e.target.value })}
            data-testid="check-category"
          />
        </div>
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
    </div>
  );
}
