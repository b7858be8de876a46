'use client';

/**
 * Owns the session and the urql client that goes with it. The signed-in
 * client is created in an effect (not during render) because it opens a
 * WebSocket and IndexedDB: React may render twice, but effects clean up.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { Provider as UrqlProvider } from 'urql';
import { MeQuery, SignOutMutation } from '@/lib/documents';
import { clearSession, saveSession, useStoredSession, type Session } from '@/lib/session';
import { createAnonymousClient, createAuthedClient, createOneShotClient, type AuthedClient } from '@/lib/urql';
import {
  clearLastDataTimes,
  clearOtherPeoplesData,
  clearRuntimeCaches,
  deleteGraphcacheDatabases,
  withTimeout,
} from '@/lib/user-data';

export type SignOutReason = 'signed-out' | 'expired';

export interface SessionContextValue {
  /** `loading` until the stored session has been read on the client. */
  status: 'loading' | 'anonymous' | 'signed-in';
  session: Session | null;
  /** The signed-in client's parts; null until it exists. */
  authed: AuthedClient | null;
  signIn: (session: Session) => Promise<void>;
  signOut: (reason?: SignOutReason) => Promise<void>;
}

const SessionContext = createContext<SessionContextValue | null>(null);

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession must be used inside <SessionProvider>');
  return value;
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const stored = useStoredSession();
  const [created, setCreated] = useState<{ token: string; authed: AuthedClient } | null>(null);
  const anonymous = useMemo(() => createAnonymousClient(), []);
  const signingOut = useRef(false);
  const token = stored?.token;
  // A client made for an earlier token is never handed out, even for the one render before the effect swaps it.
  const authed = created && created.token === token ? created.authed : null;
  const authedRef = useRef<AuthedClient | null>(null);
  useEffect(() => {
    authedRef.current = authed;
  }, [authed]);

  const signOut = useCallback(
    async (reason: SignOutReason = 'signed-out') => {
      if (signingOut.current) return;
      signingOut.current = true;
      const session = stored;
      const current = authedRef.current;
      try {
        if (session && reason === 'signed-out' && navigator.onLine) {
          // Revoke the token on the server; an offline sign-out still clears this device.
          await withTimeout(createOneShotClient(session.token).mutation(SignOutMutation, {}).toPromise(), 3_000);
        }
        current?.dispose();
        await withTimeout(current?.clearCache() ?? Promise.resolve(), 2_000);
        await withTimeout(Promise.all([clearRuntimeCaches(), deleteGraphcacheDatabases(session?.person.id)]), 2_000);
        clearLastDataTimes();
      } finally {
        clearSession();
        // A full load drops every in-memory copy of the person's data (urql, React, Next's router cache).
        window.location.replace(reason === 'expired' ? '/sign-in?expired=1' : '/sign-in');
      }
    },
    [stored],
  );

  const signOutRef = useRef(signOut);
  useEffect(() => {
    signOutRef.current = signOut;
  }, [signOut]);

  const signIn = useCallback(async (session: Session) => {
    await clearOtherPeoplesData(session.person.id);
    signingOut.current = false;
    saveSession(session);
  }, []);

  // `stored` is a stable object that only changes when the stored session does (sign-in, sign-out).
  useEffect(() => {
    if (!stored) {
      setCreated(null);
      return;
    }
    const next = createAuthedClient(stored, {
      onUnauthenticated: () => void signOutRef.current('expired'),
      // A role change: keep the session with the person as they are now, and reload into their pages.
      onReauthorise: () =>
        void next.client
          .query(MeQuery, {}, { requestPolicy: 'network-only' })
          .toPromise()
          .then(({ data }) => {
            if (!data?.me) return void signOutRef.current('expired');
            if (data.me.role === stored.person.role) return;
            saveSession({ ...stored, person: { ...stored.person, ...data.me } });
            window.location.replace('/');
          }),
    });
    setCreated({ token: stored.token, authed: next });
    return () => next.dispose();
  }, [stored]);

  // Signed out (or expired) in a fresh page: no database is open now, so leftover caches can really be deleted.
  useEffect(() => {
    if (stored !== null) return;
    clearLastDataTimes();
    void withTimeout(Promise.all([clearRuntimeCaches(), deleteGraphcacheDatabases()]), 2_000);
  }, [stored]);

  const status: SessionContextValue['status'] = stored === undefined ? 'loading' : stored ? 'signed-in' : 'anonymous';
  const value = useMemo<SessionContextValue>(
    () => ({ status, session: stored ?? null, authed, signIn, signOut }),
    [status, stored, authed, signIn, signOut],
  );

  // Until the signed-in client exists, pages that need it show their loading state.
  const client = stored && authed ? authed.client : anonymous;

  return (
    <SessionContext.Provider value={value}>
      <UrqlProvider value={client}>{children}</UrqlProvider>
    </SessionContext.Provider>
  );
}
