'use client';

import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import type { Role } from '@/gql/graphql';
import { useSession } from '@/components/SessionProvider';
import { errorMessage } from '@/lib/errors';
import { AdminPeopleQuery, SetPersonDisabledMutation, SetPersonRoleMutation } from './documents';
import styles from './admin.module.css';

const ROLES: readonly Role[] = ['STUDENT', 'STAFF', 'IT', 'MAILROOM', 'COURIER', 'DEPARTMENT', 'ADMIN'];

/**
 * ADMIN: where a role changes (besides an admin's directory import) and a person is disabled. Either
 * takes effect at once on the person's open connections (a role change makes
 * their app reconnect with what the new role may see; disabling signs them
 * out everywhere).
 */
export function PeopleAccess() {
  const { session } = useSession();
  const [term, setTerm] = useState('');
  const [search, setSearch] = useState('');
  const [{ data, fetching, error }] = useQuery({
    query: AdminPeopleQuery,
    variables: { search },
    pause: search.length < 2,
    requestPolicy: 'network-only',
  });
  const [, setRole] = useMutation(SetPersonRoleMutation);
  const [, setDisabled] = useMutation(SetPersonDisabledMutation);
  const [status, setStatus] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);

  const onSearch = (event: FormEvent) => {
    event.preventDefault();
    setStatus(null);
    setSearch(term.trim());
  };

  const changeRole = async (id: string, name: string, role: Role) => {
    const answer = await setRole({ personId: id, role });
    setStatus(
      answer.error
        ? { kind: 'error', text: errorMessage(answer.error) }
        : { kind: 'ok', text: `${name} is now ${role}.` },
    );
  };

  const toggle = async (id: string, name: string, disabled: boolean) => {
    if (disabled && !window.confirm(`Disable ${name}? They are signed out everywhere at once.`)) return;
    const answer = await setDisabled({ personId: id, disabled });
    setStatus(
      answer.error
        ? { kind: 'error', text: errorMessage(answer.error) }
        : { kind: 'ok', text: `${name} is ${disabled ? 'disabled' : 'enabled again'}.` },
    );
  };

  const people = search.length >= 2 ? (data?.people ?? []) : [];
  return (
    <div className={styles.page}>
      <h1 className={styles.title}>Roles and access</h1>
      <p className={styles.lead}>
        Only administrators change a person&rsquo;s role, here or in their own directory import (a mailroom import never
        does). A change reaches the person&rsquo;s open app at once; disabling a person signs them out everywhere and
        stops their sign-in.
      </p>
      <form className={styles.pair} onSubmit={onSearch} role="search">
        <div className="field">
          <label htmlFor="access-search">Find a person (name, e-mail or student id)</label>
          <input
            id="access-search"
            value={term}
            onChange={(e) => setTerm(e.target.value)}
            minLength={2}
            maxLength={100}
            autoComplete="off"
          />
        </div>
        <button type="submit" className="button">
          Search
        </button>
      </form>

      <p role="status" className={status?.kind === 'error' ? 'error' : undefined} data-testid="access-status">
        {status?.text ?? (fetching ? 'Searching…' : '')}
      </p>
      {error && (
        <p className="error" role="alert">
          {errorMessage(error, { FORBIDDEN: 'Only administrators change roles.' })}
        </p>
      )}
      {search.length >= 2 && !fetching && people.length === 0 && !error && <p>No one matches “{search}”.</p>}

      {people.length > 0 && (
        <ul className={styles.list} aria-label="People found">
          {people.map((p) => {
            const self = p.id === session?.person.id;
            return (
              <li key={p.id} className={`${styles.bank} ${styles.row}`} data-testid={`access-${p.email}`}>
                <span>
                  <strong>{p.name}</strong> <span className={styles.meta}>{p.email}</span>
                  {p.department && <span className={styles.meta}> · {p.department}</span>}
                  {p.disabled && <strong> · disabled</strong>}
                </span>
                <span className={styles.actions}>
                  <span className="field">
                    <label htmlFor={`role-${p.id}`}>Role</label>
                    <select
                      id={`role-${p.id}`}
                      value={p.role}
                      disabled={self}
                      onChange={(e) => void changeRole(p.id, p.name, e.target.value as Role)}
                    >
                      {ROLES.map((r) => (
                        <option key={r} value={r}>
                          {r}
                        </option>
                      ))}
                    </select>
                  </span>
                  <button
                    type="button"
                    className={`button ${p.disabled ? 'button-secondary' : 'button-danger'}`}
                    disabled={self}
                    onClick={() => void toggle(p.id, p.name, !p.disabled)}
                  >
                    {p.disabled ? 'Enable' : 'Disable'}
                    <span className="visually-hidden"> {p.name}</span>
                  </button>
                </span>
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
