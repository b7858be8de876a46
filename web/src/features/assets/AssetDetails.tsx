'use client';

import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import type { AssetCondition, AssetStatus } from '@/gql/graphql';
import { errorMessage } from '@/lib/errors';
import { formatDeadline } from '@/features/parcels/describe';
import people from '@/features/people/people.module.css';
import { ASSET_STATUS_LABEL } from './describe';
import { AssetQuery, SetAssetStatusMutation, UpdateAssetMutation } from './documents';

const CONDITIONS: AssetCondition[] = ['NEW', 'GOOD', 'FAIR', 'POOR', 'BROKEN'];
/** What staff set by hand; the rest come from handovers (the server says so too). */
const STAFF_STATUSES: AssetStatus[] = ['IN_STOCK', 'IN_REPAIR', 'RETIRED', 'LOST'];
const EDITABLE = ['model', 'category', 'serial', 'department', 'notes'] as const;
type Editable = (typeof EDITABLE)[number];
const LABELS: Record<Editable, string> = {
  model: 'Model',
  category: 'Category',
  serial: 'Serial number',
  department: 'Owning department',
  notes: 'Notes',
};

interface Props {
  id: string;
  /** IT and ADMIN change it; a department reads it. */
  manages: boolean;
  onChanged: () => void;
  onClose: () => void;
}

/**
 * One asset: its details (IT edits them at the version it saw; a change made
 * meanwhile is shown, never overwritten), its status by hand with a reason,
 * and its history.
 */
export function AssetDetails({ id, manages, onChanged, onClose }: Props) {
  const [result, reexecute] = useQuery({ query: AssetQuery, variables: { id }, requestPolicy: 'network-only' });
  const asset = result.data?.asset;
  const [values, setValues] = useState<Record<Editable, string> & { condition: AssetCondition }>({
    model: '',
    category: '',
    serial: '',
    department: '',
    notes: '',
    condition: 'GOOD',
  });
  const [seenVersion, setSeenVersion] = useState<number | null>(null);
  const [message, setMessage] = useState<{ kind: 'ok' | 'problem'; text: string; field?: string | null } | null>(null);
  const [status, setStatus] = useState<AssetStatus>('IN_REPAIR');
  const [reason, setReason] = useState('');
  const [{ fetching: saving }, update] = useMutation(UpdateAssetMutation);
  const [{ fetching: setting }, setAssetStatus] = useMutation(SetAssetStatusMutation);
  const heading = useRef<HTMLHeadingElement>(null);

  // The form starts from what the server has, and again after a refusal shows what it has now.
  useEffect(() => {
    if (!asset || seenVersion === asset.version) return;
    setValues({
      model: asset.model,
      category: asset.category,
      serial: asset.serial ?? '',
      department: asset.department ?? '',
      notes: asset.notes,
      condition: asset.condition,
    });
    setSeenVersion(asset.version);
  }, [asset, seenVersion]);
  // Opened: the focus goes to its heading once it has loaded, so a screen reader reads which one.
  const loadedId = asset?.id;
  useEffect(() => {
    if (loadedId) heading.current?.focus();
  }, [loadedId]);

  const refresh = () => {
    reexecute({ requestPolicy: 'network-only' });
    onChanged();
  };

  const save = async (event: FormEvent) => {
    event.preventDefault();
    if (!asset || seenVersion === null) return;
    setMessage(null);
    const answer = await update({
      id,
      version: seenVersion,
      input: {
        model: values.model,
        category: values.category,
        serial: values.serial.trim() || null,
        department: values.department.trim() || null,
        notes: values.notes,
        condition: values.condition,
      },
    });
    const r = answer.data?.updateAsset;
    if (answer.error) setMessage({ kind: 'problem', text: errorMessage(answer.error) });
    else if (r?.__typename === 'AssetRefused') {
      if (r.reason === 'VERSION_CONFLICT') {
        setMessage({
          kind: 'problem',
          text: 'Someone changed this asset while you were editing. Your changes were not saved: the form now shows what it is, make them again.',
        });
        setSeenVersion(null);
        refresh();
      } else setMessage({ kind: 'problem', text: r.message, field: r.field });
    } else if (r?.__typename === 'AssetSaved') {
      setMessage({ kind: 'ok', text: 'Saved.' });
      refresh();
    }
  };

  const changeStatus = async (event: FormEvent) => {
    event.preventDefault();
    if (!asset) return;
    setMessage(null);
    if (!reason.trim()) {
      setMessage({ kind: 'problem', text: 'Say why: the reason is kept in the history.', field: 'reason' });
      return;
    }
    const answer = await setAssetStatus({ id, version: asset.version, status, reason });
    const r = answer.data?.setAssetStatus;
    if (answer.error) setMessage({ kind: 'problem', text: errorMessage(answer.error) });
    else if (r?.__typename === 'AssetRefused') {
      setMessage({ kind: 'problem', text: r.message, field: r.field });
      if (r.reason === 'VERSION_CONFLICT') refresh();
    } else if (r?.__typename === 'AssetSaved') {
      setMessage({ kind: 'ok', text: `Status set to ${ASSET_STATUS_LABEL[status].toLowerCase()}.` });
      setReason('');
      setSeenVersion(null);
      refresh();
    }
  };

  if (!asset)
    return (
      <section className={people.result} aria-label="Asset">
        <p className={result.error ? 'error' : 'hint'} role={result.error ? 'alert' : 'status'}>
          {result.error ? errorMessage(result.error) : result.fetching ? 'Loading…' : 'This asset is not there.'}
        </p>
      </section>
    );

  const field = (name: Editable) => (
    <div className="field" key={name}>
      <label htmlFor={`edit-${name}`}>{LABELS[name]}</label>
      {name === 'notes' ? (
        <textarea
          id={`edit-${name}`}
          rows={3}
          value={values.notes}
          readOnly={!manages}
          onChange={(e) => setValues({ ...values, notes: e.target.value })}
          data-testid={`edit-${name}`}
        />
      ) : (
        <input
          id={`edit-${name}`}
          value={values[name]}
          readOnly={!manages}
          aria-invalid={message?.field === name || undefined}
          onChange={(e) => setValues({ ...values, [name]: e.target.value })}
          data-testid={`edit-${name}`}
        />
      )}
    </div>
  );

  return (
    <section className={people.result} aria-labelledby="asset-details-title" data-testid="asset-details">
      <h2 id="asset-details-title" ref={heading} tabIndex={-1}>
        {asset.tag}: {ASSET_STATUS_LABEL[asset.status]}
      </h2>
      {message && (
        <p
          className={message.kind === 'ok' ? 'hint' : 'error'}
          role={message.kind === 'ok' ? 'status' : 'alert'}
          data-testid="asset-details-message"
        >
          {message.text}
        </p>
      )}
      <form onSubmit={(e) => void save(e)} noValidate aria-label="Details" className={people.form}>
        {EDITABLE.map(field)}
        <div className="field">
          <label htmlFor="edit-condition">Condition</label>
          <select
            id="edit-condition"
            value={values.condition}
            disabled={!manages}
            onChange={(e) => setValues({ ...values, condition: e.target.value as AssetCondition })}
          >
            {CONDITIONS.map((c) => (
              <option key={c} value={c}>
                {c.toLowerCase()}
              </option>
            ))}
          </select>
        </div>
        {manages && (
          <button type="submit" className="button" disabled={saving} data-testid="asset-save">
            {saving ? 'Saving…' : 'Save details'}
          </button>
        )}
      </form>
      {manages && (
        <form onSubmit={(e) => void changeStatus(e)} noValidate aria-label="Status" className={people.form}>
          <div className="field">
            <label htmlFor="asset-new-status">New status</label>
            <select
              id="asset-new-status"
              value={status}
              onChange={(e) => setStatus(e.target.value as AssetStatus)}
              data-testid="asset-new-status"
            >
              {STAFF_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {ASSET_STATUS_LABEL[s]}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="asset-reason">Reason</label>
            <input
              id="asset-reason"
              name="reason"
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              aria-invalid={message?.field === 'reason' || undefined}
              data-testid="asset-reason"
            />
          </div>
          <button type="submit" className="button button-secondary" disabled={setting} data-testid="asset-set-status">
            Set status
          </button>
        </form>
      )}
      <h3>History</h3>
      <ol data-testid="asset-history">
        {asset.history.map((h, i) => (
          <li key={`${h.at}-${i}`}>
            <time dateTime={h.at}>{formatDeadline(h.at)}</time>: {h.detail}
            {h.byName ? ` (${h.byName})` : ''}
          </li>
        ))}
      </ol>
      <button type="button" className="button button-secondary" onClick={onClose} data-testid="asset-details-close">
        Close
      </button>
    </section>
  );
}
