'use client';

import { useRef, useState } from 'react';
import { useMutation } from 'urql';
import { CsvSource } from '@/components/CsvSource';
import type { ImportAssetsMutation as ImportAssetsResult } from '@/gql/graphql';
import { errorMessage } from '@/lib/errors';
import people from '@/features/people/people.module.css';
import { ImportAssetsMutation } from './documents';

const MAX_BYTES = 5 * 1024 * 1024;
type Result = ImportAssetsResult['importAssets'];

/**
 * IT and ADMIN: a CSV of assets, checked first (a dry run), then imported.
 * The server applies nothing unless every line is valid, so the errors are
 * shown for fixing and the whole file is sent again.
 */
export function AssetImport({ onImported }: { onImported: () => void }) {
  const [csv, setCsv] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<{ checked: boolean; data: Result } | null>(null);
  const [{ fetching }, importAssets] = useMutation(ImportAssetsMutation);
  const resultRef = useRef<HTMLElement>(null);

  const send = async (dryRun: boolean) => {
    setError(null);
    if (!csv.trim()) {
      setError('Paste the CSV or choose a file. The first line names the columns: tag,model,category at least.');
      return;
    }
    const answer = await importAssets({ csv, dryRun });
    if (answer.error) {
      setError(errorMessage(answer.error));
      return;
    }
    if (answer.data) {
      setResult({ checked: dryRun, data: answer.data.importAssets });
      if (answer.data.importAssets.applied) onImported();
      setTimeout(() => resultRef.current?.focus(), 0);
    }
  };

  const r = result?.data;
  return (
    <section className={people.form} aria-labelledby="import-assets">
      <h2 id="import-assets">Import a CSV</h2>
      <p className="hint">
        Columns <code>tag,model,category</code>, and optionally <code>serial,department,condition,notes</code>, in any
        order. A tag already in the register updates that asset. Nothing is imported until every line is right.
      </p>
      <CsvSource
        id="assets"
        value={csv}
        onChange={(text) => {
          setCsv(text);
          setResult(null);
        }}
        maxBytes={MAX_BYTES}
        onProblem={setError}
        className={people.csv}
        rows={6}
        placeholder={'tag,model,category,serial\nLT-00042,ThinkPad T14,laptop,PF3X9Z'}
      />
      {error && (
        <p className="error" role="alert" data-testid="assets-import-error">
          {error}
        </p>
      )}
      <div>
        <button
          type="button"
          className="button button-secondary"
          disabled={fetching}
          onClick={() => void send(true)}
          data-testid="assets-check"
        >
          Check
        </button>{' '}
        <button
          type="button"
          className="button"
          disabled={fetching}
          onClick={() => void send(false)}
          data-testid="assets-import"
        >
          {fetching ? 'Working…' : 'Import'}
        </button>
      </div>
      {r && (
        <section
          ref={resultRef}
          tabIndex={-1}
          className={people.result}
          aria-labelledby="assets-import-result"
          data-testid="assets-import-result"
          data-applied={r.applied}
          data-errors={r.errors.length}
        >
          <h3 id="assets-import-result">
            {r.applied ? 'Imported' : r.errors.length ? 'Nothing was imported' : 'Checked: ready to import'}
          </h3>
          <p role="status">
            {r.applied || !result.checked || r.errors.length ? '' : 'Import would make: '}
            <strong>{r.created}</strong> new, <strong>{r.updated}</strong> changed, <strong>{r.unchanged}</strong>{' '}
            unchanged
            {r.errors.length > 0 ? (
              <>
                ; <strong>{r.errors.length}</strong> {r.errors.length === 1 ? 'line needs' : 'lines need'} fixing first.
              </>
            ) : (
              '.'
            )}
          </p>
          {r.errors.length > 0 && (
            <div className={people.tableWrap}>
              <table className={people.table}>
                <caption>Fix these lines, then send the whole file again</caption>
                <thead>
                  <tr>
                    <th scope="col">Line</th>
                    <th scope="col">Tag</th>
                    <th scope="col">Column</th>
                    <th scope="col">Problem</th>
                  </tr>
                </thead>
                <tbody>
                  {r.errors.map((e) => (
                    <tr key={`${e.line}-${e.field ?? ''}`} data-testid={`assets-import-error-${e.line}`}>
                      <td>{e.line}</td>
                      <td>{e.tag ?? ''}</td>
                      <td>{e.field ?? ''}</td>
                      <td>{e.message}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      )}
    </section>
  );
}
