'use client';

import { useState, type ChangeEvent } from 'react';

interface Props {
  /** Prefix of the ids and test ids: `${id}-file`, `${id}-csv`. */
  id: string;
  value: string;
  onChange: (csv: string) => void;
  /** Larger files are refused here, before anything is sent. */
  maxBytes: number;
  placeholder: string;
  /** Says what went wrong with a file (too large); null clears it. */
  onProblem: (message: string | null) => void;
  className?: string;
  rows?: number;
}

/** A CSV to import: chosen as a file or pasted, one text either way (the people and asset imports). */
export function CsvSource({ id, value, onChange, maxBytes, placeholder, onProblem, className, rows = 8 }: Props) {
  const [fileNote, setFileNote] = useState<string | null>(null);

  const onFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    onProblem(null);
    if (!file) return;
    if (file.size > maxBytes) {
      onProblem(`That file is larger than ${Math.round(maxBytes / 1024 / 1024)} MB. Split it into smaller files.`);
      return;
    }
    onChange(await file.text());
    setFileNote(`Loaded ${file.name}. Check it, then import.`);
  };

  return (
    <>
      <div className="field">
        <label htmlFor={`${id}-file`}>CSV file</label>
        <input
          id={`${id}-file`}
          type="file"
          accept=".csv,text/csv,text/plain"
          onChange={(e) => void onFile(e)}
          data-testid={`${id}-file`}
        />
        {fileNote && (
          <p className="hint" role="status">
            {fileNote}
          </p>
        )}
      </div>
      <div className="field">
        <label htmlFor={`${id}-csv`}>Or paste it here</label>
        <textarea
          id={`${id}-csv`}
          rows={rows}
          spellCheck={false}
          value={value}
          onChange={(e) => {
            onChange(e.target.value);
            setFileNote(null);
          }}
          placeholder={placeholder}
          className={className}
          data-testid={`${id}-csv`}
        />
      </div>
    </>
  );
}
