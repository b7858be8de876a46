'use client';

import { useRef, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { errorMessage } from '@/lib/errors';
import tables from '@/features/parcels/parcels.module.css';
import people from '@/features/people/people.module.css';
import { FormOutcome, TextField } from './fields';
import { AddAssetFaultMutation, AssetFaultsQuery, RemoveAssetFaultMutation } from './documents';

/** IT and ADMIN: the faults a person picks from when handing back a device of a category for a swap. */
export function Faults() {
  const [category, setCategory] = useState('laptop');
  const shown = category.trim().toLowerCase();
  const [result, reexecute] = useQuery({
    query: AssetFaultsQuery,
    variables: { category: shown },
    pause: !shown,
    requestPolicy: 'cache-and-network',
  });
  const refetch = () => reexecute({ requestPolicy: 'network-only' });
  const [draft, setDraft] = useState({ label: '', critical: false });
  const [problem, setProblem] = useState<{ field: string | null; message: string } | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [{ fetching }, add] = useMutation(AddAssetFaultMutation);
  const [, remove] = useMutation(RemoveAssetFaultMutation);
  const form = useRef<HTMLFormElement>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    setSaved(null);
    const r = await add({ category, label: draft.label, critical: draft.critical });
    const outcome = r.data?.addAssetFault;
    if (r.error) setProblem({ field: null, message: errorMessage(r.error) });
    else if (outcome?.__typename === 'AssetFaultRefused') {
      setProblem({ field: outcome.field ?? null, message: outcome.message });
      if (outcome.field) form.current?.querySelector<HTMLElement>(`[name="${outcome.field}"]`)?.focus();
    } else if (outcome?.__typename === 'AssetFaultSaved') {
      setSaved(`Added “${outcome.fault.label}”.`);
      setDraft({ label: '', critical: false });
      refetch();
    }
  };

  const faults = result.data?.assetFaults;
  const invalid = (field: string) => problem?.field === field;

  return (
    <form ref={form} className={people.form} onSubmit={(e) => void submit(e)} noValidate aria-labelledby="faults">
      <h2 id="faults">Faults</h2>
      <p className="hint">
        What a person can pick when handing a device back for a swap. A critical fault sends the device to quarantine.
      </p>
      <TextField
        id="faults-category"
        name="category"
        label="Category"
        value={category}
        invalid={invalid('category')}
        onChange={setCategory}
      />
      {result.error ? (
        <p className="error" role="alert">
          {errorMessage(result.error)}
        </p>
      ) : faults && faults.length === 0 ? (
        <p className="hint" data-testid="faults-empty">
          No faults for {shown} yet.
        </p>
      ) : faults ? (
        <table className={tables.table} data-testid="faults-table">
          <caption className="visually-hidden">Faults for {shown}</caption>
          <thead>
            <tr>
              <th scope="col">Fault</th>
              <th scope="col">Critical</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {faults.map((f) => (
              <tr key={f.id} data-testid={`fault-${f.label}`}>
                <td>{f.label}</td>
                <td>{f.critical ? 'yes' : 'no'}</td>
                <td>
                  <button type="button" className="button-link" onClick={() => void remove({ id: f.id }).then(refetch)}>
                    Remove<span className="visually-hidden"> {f.label}</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <TextField
        id="fault-label"
        name="label"
        label="Fault (at most 80 characters)"
        value={draft.label}
        placeholder="e.g. Screen cracked"
        invalid={invalid('label')}
        onChange={(label) => setDraft({ ...draft, label })}
      />
      <div className="field">
        <label>
          <input
            type="checkbox"
            name="critical"
            checked={draft.critical}
            onChange={(e) => setDraft({ ...draft, critical: e.target.checked })}
            data-testid="fault-critical"
          />{' '}
          Critical (quarantine the device)
        </label>
      </div>
      <FormOutcome prefix="fault" problem={problem?.message} saved={saved} />
      <button type="submit" className="button button-secondary" disabled={fetching} data-testid="fault-add">
        Add the fault
      </button>
    </form>
  );
}
