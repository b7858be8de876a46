/**
 * The signed-in session, kept in localStorage so a reload (or an offline start)
 * still knows who is signed in. The person is stored with the token so the
 * header can show them without the network.
 */
import { useSyncExternalStore } from 'react';
import type { Role } from '@/gql/graphql';

export interface SessionPerson {
  id: string;
  name: string;
  email: string;
  role: Role;
}

export interface Session {
  token: string;
  expiresAt: string;
  person: SessionPerson;
}

export const SESSION_STORAGE_KEY = 'baylight.session';

const listeners = new Set<() => void>();
let cachedRaw: string | null | undefined;
let cachedSession: Session | null = null;

function isSession(value: unknown): value is Session {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const p = v.person as Record<string, unknown> | undefined;
  return (
    typeof v.token === 'string' &&
    v.token.length > 0 &&
    typeof v.expiresAt === 'string' &&
    typeof p === 'object' &&
    p !== null &&
    typeof p.id === 'string' &&
    typeof p.name === 'string' &&
    typeof p.email === 'string' &&
    typeof p.role === 'string'
  );
}

/** Parses the stored session; an unreadable or expired one counts as signed out. */
export function parseSession(raw: string | null, now: number = Date.now()): Session | null {
  if (!raw) return null;
  try {
    const value: unknown = JSON.parse(raw);
    if (!isSession(value)) return null;
    const expires = Date.parse(value.expiresAt);
    if (Number.isFinite(expires) && expires <= now) return null;
    return value;
  } catch {
    return null;
  }
}

function readRaw(): string | null {
  try {
    return window.localStorage.getItem(SESSION_STORAGE_KEY);
  } catch {
    return null; // storage disabled (private mode policies): behave as signed out
  }
}

/** Stable snapshot for useSyncExternalStore: re-parsed only when the stored string changes. */
export function readSession(): Session | null {
  const raw = readRaw();
  if (raw !== cachedRaw) {
    cachedRaw = raw;
    cachedSession = parseSession(raw);
  }
  return cachedSession;
}

function notify(): void {
  for (const listener of listeners) listener();
}

export function saveSession(session: Session): void {
  window.localStorage.setItem(SESSION_STORAGE_KEY, JSON.stringify(session));
  notify();
}

export function clearSession(): void {
  try {
    window.localStorage.removeItem(SESSION_STORAGE_KEY);
  } finally {
    notify();
  }
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  // Another tab signing in or out changes this tab too.
  const onStorage = (event: StorageEvent) => {
    if (event.key === SESSION_STORAGE_KEY || event.key === null) listener();
  };
  window.addEventListener('storage', onStorage);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('storage', onStorage);
  };
}

/** `undefined` while not known yet (prerender and the first client render), then the session or null. */
export function useStoredSession(): Session | null | undefined {
  return useSyncExternalStore<Session | null | undefined>(subscribe, readSession, () => undefined);
}
