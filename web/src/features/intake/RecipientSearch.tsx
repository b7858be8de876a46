'use client';

import { useEffect, useId, useState, type KeyboardEvent, type Ref } from 'react';
import { useQuery } from 'urql';
import type { PeopleSearchQuery as PeopleSearchResult } from '@/gql/graphql';
import { errorMessage } from '@/lib/errors';
import { PeopleSearchQuery } from './documents';
import styles from './intake.module.css';

export type Recipient = PeopleSearchResult['people'][number];

const DEBOUNCE_MS = 200;
const MIN_CHARS = 2;

/** Moves the highlighted option with the arrow keys, wrapping around. */
export function moveActive(key: string, current: number, count: number): number | null {
  if (count === 0) return null;
  if (key === 'ArrowDown') return current < 0 ? 0 : (current + 1) % count;
  if (key === 'ArrowUp') return current <= 0 ? count - 1 : current - 1;
  if (key === 'Home') return 0;
  if (key === 'End') return count - 1;
  return null;
}

interface Props {
  inputRef?: Ref<HTMLInputElement>;
  selected: Recipient | null;
  onSelect: (person: Recipient | null) => void;
  /** Shown under the field (e.g. the server said the recipient does not exist). */
  error?: string | null;
  onActivity?: () => void;
  /**
   * Couriers: the server finds someone only by an exact e-mail address,
   * student id or full name (what a label shows) and shows just their name.
   */
  exactMatch?: boolean;
}

/**
 * Combobox over `people(search)`: by name, e-mail or student id. Arrow keys
 * move, Enter chooses, Escape closes. Choosing shows name, e-mail and student id
 * (for a courier, the name and a masked e-mail: all the server tells it).
 */
export function RecipientSearch({ inputRef, selected, onSelect, error, onActivity, exactMatch = false }: Props) {
  const id = useId();
  const listId = `${id}-list`;
  const [text, setText] = useState('');
  const [term, setTerm] = useState('');
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);

  useEffect(() => {
    const timer = setTimeout(() => setTerm(text.trim()), DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [text]);

  const [result] = useQuery({
    query: PeopleSearchQuery,
    variables: { search: term, limit: 8 },
    pause: term.length < MIN_CHARS || selected !== null,
    requestPolicy: 'network-only',
  });
  const people = term.length >= MIN_CHARS ? (result.data?.people ?? []) : [];
  const showList = open && selected === null && term.length >= MIN_CHARS;

  const choose = (person: Recipient) => {
    onSelect(person);
    setText(person.name);
    setOpen(false);
    setActive(-1);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    onActivity?.();
    if (event.key === 'Escape') {
      setOpen(false);
      return;
    }
    if (event.key === 'Enter') {
      // Enter chooses; it never submits the form from here.
      event.preventDefault();
      const person = people[active >= 0 ? active : 0];
      if (showList && person && (active >= 0 || people.length === 1)) choose(person);
      else if (showList && people.length > 1) setActive(0);
      return;
    }
    const next = moveActive(event.key, active, people.length);
    if (next !== null && (event.key === 'ArrowDown' || event.key === 'ArrowUp')) {
      event.preventDefault();
      setOpen(true);
      setActive(next);
    }
  };

  const errorId = `${id}-error`;
  const activeId = showList && active >= 0 && people[active] ? `${id}-opt-${active}` : undefined;

  return (
    <div className={styles.combo}>
      <div className="field">
        <label htmlFor={`${id}-input`}>Recipient</label>
        <input
          ref={inputRef}
          id={`${id}-input`}
          type="text"
          role="combobox"
          autoComplete="off"
          spellCheck={false}
          aria-autocomplete="list"
          aria-expanded={showList}
          aria-controls={listId}
          aria-activedescendant={activeId}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? errorId : `${id}-hint`}
          value={text}
          placeholder={exactMatch ? 'Full name, e-mail or student id, as on the label' : 'Name, e-mail or student id'}
          onChange={(e) => {
            setText(e.target.value);
            setOpen(true);
            setActive(-1);
            if (selected) onSelect(null);
            onActivity?.();
          }}
          onFocus={() => setOpen(true)}
          onBlur={() => setTimeout(() => setOpen(false), 150)}
          onKeyDown={onKeyDown}
          data-testid="intake-recipient-search"
        />
        <p id={`${id}-hint`} className="hint">
          {exactMatch
            ? 'Type the recipient’s full name, e-mail address or student id exactly as the label shows it; ↑ ↓ to move, Enter to choose.'
            : `Type at least ${MIN_CHARS} characters; ↑ ↓ to move, Enter to choose.`}
        </p>
      </div>
      <ul id={listId} role="listbox" aria-label="Matching people" className={styles.options} hidden={!showList}>
        {showList &&
          people.map((p, index) => (
            <li
              key={p.id}
              id={`${id}-opt-${index}`}
              role="option"
              aria-selected={index === active}
              className={styles.option}
              data-active={index === active || undefined}
              onMouseDown={(e) => e.preventDefault()}
              onClick={() => choose(p)}
              data-testid={`intake-recipient-option-${p.id}`}
            >
              <span className={styles.optionName}>{p.name}</span>
              <span className={styles.optionMeta}>
                {p.email}
                {p.studentId ? ` · ${p.studentId}` : ''}
              </span>
            </li>
          ))}
      </ul>
      <p className="visually-hidden" role="status" aria-live="polite">
        {showList && !result.fetching ? `${people.length} ${people.length === 1 ? 'person' : 'people'} found` : ''}
      </p>
      {showList && !result.fetching && !result.error && people.length === 0 && (
        <p className="hint" data-testid="intake-recipient-none">
          {exactMatch
            ? `No one is “${term}” exactly. Type the whole name, e-mail address or student id from the label.`
            : `No one matches “${term}”. Check the spelling, or search by e-mail or student id.`}
        </p>
      )}
      {showList && result.error && (
        <p className="error" role="alert">
          {errorMessage(result.error, { FORBIDDEN: 'Your account cannot search people.' })}
        </p>
      )}
      {selected && (
        <p className={styles.chosen} data-testid="intake-recipient-selected">
          <strong>{selected.name}</strong>
          <span>{selected.email}</span>
          {selected.studentId && <span>Student id {selected.studentId}</span>}
        </p>
      )}
      {error && (
        <p id={errorId} className="error" role="alert" data-testid="intake-recipient-error">
          {error}
        </p>
      )}
    </div>
  );
}
