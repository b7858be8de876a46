'use client';

import { useRef, useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { BarcodeScanner } from '@/components/BarcodeScanner';
import { errorMessage } from '@/lib/errors';
import people from '@/features/people/people.module.css';
import { CreateAssetMutation } from './documents';

const FIELDS = [
  { name: 'tag', label: 'Asset tag', hint: 'Scan the label or type it', required: true },
  { name: 'model', label: 'Model', hint: 'e.g. ThinkPad T14 Gen 4', required: true },
  { name: 'category', label: 'Category', hint: 'e.g. laptop, charger, tablet', required: true },
  { name: 'serial', label: 'Serial number', hint: '', required: false },
  { name: 'department', label: 'Owning department', hint: 'Empty for central IT', required: false },
] as const;
type Field = (typeof FIELDS)[number]['name'];

const EMPTY: Record<Field, string> = { tag: '', model: '', category: '', serial: '', department: '' };

/** IT and ADMIN: add one asset; a refusal names its field, which gets the focus. */
export function AddAsset({ onAdded }: { onAdded: () => void }) {
  const [values, setValues] = useState(EMPTY);
  const [problem, setProblem] = useState<{ field: string | null; message: string } | null>(null);
  const [added, setAdded] = useState<string | null>(null);
  const [{ fetching }, create] = useMutation(CreateAssetMutation);
  const form = useRef<HTMLFormElement>(null);
  const [scanning, setScanning] = useState(false);
  const scanHit = useRef(false);

  const focus = (field: string | null) =>
    setTimeout(() => form.current?.querySelector<HTMLInputElement>(`[name="${field ?? 'tag'}"]`)?.focus(), 0);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    setAdded(null);
    const missing = FIELDS.find((f) => f.required && !values[f.name].trim());
    if (missing) {
      setProblem({ field: missing.name, message: `${missing.label} is needed.` });
      focus(missing.name);
      return;
    }
    const answer = await create({
      input: {
        tag: values.tag,
        model: values.model,
        category: values.category,
        serial: values.serial.trim() || null,
        department: values.department.trim() || null,
      },
    });
    if (answer.error) {
      setProblem({ field: null, message: errorMessage(answer.error) });
      return;
    }
    const result = answer.data?.createAsset;
    if (result?.__typename === 'AssetRefused') {
      setProblem({ field: result.field ?? null, message: result.message });
      focus(result.field ?? null);
      return;
    }
    if (result?.__typename === 'AssetSaved') {
      setAdded(`Added ${result.asset.tag}.`);
      setValues({ ...EMPTY, model: values.model, category: values.category, department: values.department });
      focus('tag');
      onAdded();
    }
  };

  return (
    <form ref={form} className={people.form} onSubmit={(e) => void submit(e)} noValidate aria-labelledby="add-asset">
      <h2 id="add-asset">Add an asset</h2>
      {FIELDS.map((f) => (
        <div className="field" key={f.name}>
          <label htmlFor={`asset-${f.name}`}>
            {f.label}
            {f.required ? '' : ' (optional)'}
          </label>
          <input
            id={`asset-${f.name}`}
            name={f.name}
            value={values[f.name]}
            onChange={(e) => setValues({ ...values, [f.name]: e.target.value })}
            aria-invalid={problem?.field === f.name || undefined}
            aria-describedby={problem?.field === f.name ? 'asset-problem' : f.hint ? `asset-${f.name}-hint` : undefined}
            autoComplete="off"
            data-testid={`asset-${f.name}`}
          />
          {f.hint && (
            <p className="hint" id={`asset-${f.name}-hint`}>
              {f.hint}
            </p>
          )}
          {f.name === 'tag' && (
            <button
              type="button"
              className="button button-secondary"
              onClick={() => setScanning(true)}
              data-testid="asset-tag-scan"
            >
              Scan the label
            </button>
          )}
        </div>
      ))}
      <BarcodeScanner
        open={scanning}
        title="Scan the asset label"
        fallback="type the tag"
        onClose={() => {
          setScanning(false);
          // The dialog also closes after a scan: then the next field keeps the focus.
          focus(scanHit.current ? 'model' : 'tag');
          scanHit.current = false;
        }}
        onResult={(tag) => {
          scanHit.current = true;
          setScanning(false);
          setValues((v) => ({ ...v, tag }));
        }}
      />
      {problem && (
        <p className="error" role="alert" id="asset-problem" data-testid="asset-problem">
          {problem.message}
        </p>
      )}
      {added && (
        <p className="hint" role="status" data-testid="asset-added">
          {added}
        </p>
      )}
      <button type="submit" className="button" disabled={fetching} data-testid="asset-add">
        {fetching ? 'Adding…' : 'Add asset'}
      </button>
    </form>
  );
}
