'use client';

/** The Loan rules page's labelled inputs: `id` is also the test id; `invalid` marks the field a refusal named. */

/** A labelled select of named options, with an empty first option (any, none). */
export function Choice({
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

/** A labelled text input; `name` is what a refusal's `field` names (the form focuses it), `hint` a line below. */
export function TextField({
  id,
  name,
  label,
  value,
  onChange,
  placeholder,
  invalid,
  hint,
  type = 'text',
  inputMode,
}: {
  id: string;
  name?: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  placeholder?: string;
  invalid?: boolean;
  hint?: string;
  type?: 'text' | 'date';
  inputMode?: 'numeric';
}) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        name={name}
        type={type}
        inputMode={inputMode}
        value={value}
        placeholder={placeholder}
        aria-invalid={invalid || undefined}
        aria-describedby={hint ? `${id}-hint` : undefined}
        onChange={(e) => onChange(e.target.value)}
        data-testid={id}
      />
      {hint && (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
    </div>
  );
}

/** What a form's last submit came to: the refusal (an alert) or what was saved; test ids `<prefix>-problem`, `<prefix>-saved`. */
export function FormOutcome({
  prefix,
  problem,
  saved,
}: {
  prefix: string;
  problem: string | null | undefined;
  saved?: string | null;
}) {
  return (
    <>
      {problem && (
        <p className="error" role="alert" data-testid={`${prefix}-problem`}>
          {problem}
        </p>
      )}
      {saved && (
        <p className="hint" role="status" data-testid={`${prefix}-saved`}>
          {saved}
        </p>
      )}
    </>
  );
}
