'use client';

import { useMemo, useRef, useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { CsvSource } from '@/components/CsvSource';
import type { ImportPeopleMutation as ImportPeopleResult } from '@/gql/graphql';
import { errorMessage } from '@/lib/errors';
import { EXPECTED_HEADER, previewCsv } from './csv';
import { ImportPeopleMutation } from './documents';
import styles from './people.module.css';

const MAX_BYTES = 2 * 1024 * 1024;
const PREVIEW_ROWS = 5;

/** MAILROOM and ADMIN: add or update people from a CSV file or pasted text. */
export function PeopleImport() {
  const [csv, setCsv] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<ImportPeopleResult['importPeople'] | null>(null);
  const [{ fetching }, importPeople] = useMutation(ImportPeopleMutation);
  const resultRef = useRef<HTMLElement>(null);
  const preview = useMemo(() => (csv.trim() ? previewCsv(csv) : null), [csv]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    if (!csv.trim()) {
      setError(`Paste the CSV or choose a file. The first line must be: ${EXPECTED_HEADER.join(',')}`);
      return;
    }
    const answer = await importPeople({ csv });
    if (answer.error) {
      setError(
        errorMessage(answer.error, {
          FORBIDDEN: 'Only the mailroom and administrators can import people.',
          BAD_USER_INPUT: `The server could not read the CSV: ${answer.error.graphQLErrors[0]?.message ?? ''}`,
        }),
      );
      return;
    }
    if (answer.data) {
      setResult(answer.data.importPeople);
      setTimeout(() => resultRef.current?.focus(), 0);
    }
  };

  return (
    <div className={styles.page}>
      <h1 className={styles.title}>Import people</h1>
      <p className={styles.lead}>
        A CSV with the header <code>{EXPECTED_HEADER.join(',')}</code>. Role defaults to STUDENT. People are matched by
        e-mail: existing ones are updated, new ones created.
      </p>
      <form className={styles.form} onSubmit={(e) => void submit(e)} noValidate>
        <CsvSource
          id="people"
          value={csv}
          onChange={setCsv}
          maxBytes={MAX_BYTES}
          onProblem={setError}
          className={styles.csv}
          placeholder={`${EXPECTED_HEADER.join(',')}\nada@uni.edu,Ada Lovelace,STUDENT,S1234567,Computing`}
        />

        {preview && (
          <section className={styles.preview} aria-label="Preview" data-testid="people-preview">
            <p>
              <strong>{preview.rows.length}</strong> {preview.rows.length === 1 ? 'person' : 'people'} in the file.
            </p>
            {preview.headerProblems.length > 0 && (
              <ul className="error">
                {preview.headerProblems.map((p) => (
                  <li key={p}>{p}</li>
                ))}
              </ul>
            )}
            {preview.problems.length > 0 && (
              <details open={preview.problems.length <= 5}>
                <summary>
                  {preview.problems.length} {preview.problems.length === 1 ? 'line looks' : 'lines look'} wrong (the
                  server will skip them)
                </summary>
                <ul>
                  {preview.problems.map((p) => (
                    <li key={`${p.line}-${p.message}`}>
                      Line {p.line}: {p.message}
                    </li>
                  ))}
                </ul>
              </details>
            )}
            {preview.rows.length > 0 && (
              <div className={styles.tableWrap}>
                <table className={styles.table}>
                  <caption>First {Math.min(PREVIEW_ROWS, preview.rows.length)} rows</caption>
                  <thead>
                    <tr>
                      <th scope="col">Line</th>
                      <th scope="col">E-mail</th>
                      <th scope="col">Name</th>
                      <th scope="col">Role</th>
                      <th scope="col">Student id</th>
                      <th scope="col">Department</th>
                    </tr>
                  </thead>
                  <tbody>
                    {preview.rows.slice(0, PREVIEW_ROWS).map((r) => (
                      <tr key={r.line}>
                        <td>{r.line}</td>
                        <td>{r.email}</td>
                        <td>{r.name}</td>
                        <td>{r.role || 'STUDENT'}</td>
                        <td>{r.studentId}</td>
                        <td>{r.department}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        )}

        {error && (
          <p className="error" role="alert" data-testid="people-import-error">
            {error}
          </p>
        )}
        <button type="submit" className="button" disabled={fetching} data-testid="people-import-submit">
          {fetching ? 'Importing…' : 'Import'}
        </button>
      </form>

      {result && (
        <section
          ref={resultRef}
          tabIndex={-1}
          className={styles.result}
          aria-labelledby="import-result"
          data-testid="people-import-result"
          data-created={result.created}
          data-updated={result.updated}
          data-errors={result.errors.length}
        >
          <h2 id="import-result">Import finished</h2>
          <p role="status">
            <strong>{result.created}</strong> created, <strong>{result.updated}</strong> updated
            {result.errors.length > 0 ? (
              <>
                , <strong>{result.errors.length}</strong> {result.errors.length === 1 ? 'line' : 'lines'} skipped.
              </>
            ) : (
              ', no errors.'
            )}
          </p>
          {result.errors.length > 0 && (
            <div className={styles.tableWrap}>
              <table className={styles.table}>
                <caption>Lines that were not imported — fix them and import again</caption>
                <thead>
                  <tr>
                    <th scope="col">Line</th>
                    <th scope="col">Problem</th>
                  </tr>
                </thead>
                <tbody>
                  {result.errors.map((e) => (
                    <tr key={`${e.line}-${e.message}`} data-testid={`people-import-error-${e.line}`}>
                      <td>{e.line}</td>
                      <td>{e.message}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      )}
    </div>
  );
}
