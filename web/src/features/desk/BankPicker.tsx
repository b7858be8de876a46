'use client';

import { useQuery } from 'urql';
import { BankStatusBadge } from '@/features/board/BankStatusBadge';
import { LockerBoardQuery } from '@/features/board/documents';
import { errorMessage } from '@/lib/errors';
import { freeBySize } from './free';
import styles from './desk.module.css';

const SIZES = ['S', 'M', 'L', 'XL'] as const;

/**
 * The site's banks with their free compartments by size, live from the board
 * data. Choosing one makes intake try that bank first; the default lets the
 * server use the recipient's preferred bank.
 */
export function BankPicker({ value, onChange }: { value: string | null; onChange: (bankId: string | null) => void }) {
  const [result] = useQuery({ query: LockerBoardQuery, requestPolicy: 'cache-and-network' });
  const sites = result.data?.sites;
  return (
    <section className={styles.picker} aria-labelledby="free-compartments">
      <h2 id="free-compartments" className={styles.panelTitle}>
        Free compartments
      </h2>
      {!sites ? (
        <p className="hint" role={result.error ? 'alert' : 'status'}>
          {result.error ? errorMessage(result.error) : 'Loading lockers…'}
        </p>
      ) : (
        <fieldset className={styles.pickerSet}>
          <legend>Try first</legend>
          <label className={styles.pickerOption} data-checked={value === null || undefined}>
            <input type="radio" name="try-first" checked={value === null} onChange={() => onChange(null)} />
            <span>The recipient&apos;s preferred bank</span>
          </label>
          {sites.map((site) =>
            site.banks.map((bank) => {
              const free = freeBySize(bank.compartments);
              return (
                <label
                  key={bank.id}
                  className={styles.pickerOption}
                  data-checked={value === bank.id || undefined}
                  data-testid={`free-${bank.name}`}
                >
                  <input type="radio" name="try-first" checked={value === bank.id} onChange={() => onChange(bank.id)} />
                  <span className={styles.pickerBank}>
                    <span className={styles.pickerName}>
                      {bank.name} <BankStatusBadge status={bank.status} />
                    </span>
                    <span
                      className={styles.freeRow}
                      aria-label={`Free: ${SIZES.map((s) => `${free[s]} ${s}`).join(', ')}`}
                    >
                      {SIZES.map((s) => (
                        <span key={s} className={styles.free} data-size={s} data-zero={free[s] === 0 || undefined}>
                          {s} <strong>{free[s]}</strong>
                        </span>
                      ))}
                    </span>
                  </span>
                </label>
              );
            }),
          )}
        </fieldset>
      )}
    </section>
  );
}
