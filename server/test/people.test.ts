/** Sign-in with e-mail and a one-time code; bearer tokens over HTTP and WebSocket. */
import { describe, expect, it } from 'vitest';
import { BUDGETS } from '../src/attempts/budgets.js';
import { closeCode, connected, startTestServer } from './helpers/server.js';

const REQUEST = `mutation ($email: String!) { requestSignInCode(email: $email) { ok expiresAt } }`;
const SIGN_IN = `mutation ($email: String!, $code: String!) {
  signIn(email: $email, code: $code) {
    __typename
    ... on SignInSuccess { token person { email role } }
    ... on SignInFailure { reason message }
  }
}`;
const OUTBOX = `query ($to: String) { devOutbox(to: $to) { subject text } }`;

async function codeFor(server: Awaited<ReturnType<typeof startTestServer>>, email: string) {
  // The dev outbox holds everyone's mail: an admin reads it.
  const box = await server.gql(OUTBOX, { to: email }, server.adminToken);
  const subject: string = box.data.devOutbox[0]?.subject ?? '';
  return /(\d{6})/.exec(subject)?.[1] ?? null;
}

describe('sign-in', () => {
  it('signs a person in with the code from the dev outbox; the token works over HTTP and WebSocket', async () => {
    const server = await startTestServer();
    await server.services.people.createPerson({ email: 'sam@uni.test', name: 'Sam', role: 'STUDENT' });
    const req = await server.gql(REQUEST, { email: '  SAM@uni.test ' }, null);
    expect(req.data.requestSignInCode.ok).toBe(true);
    const code = await codeFor(server, 'sam@uni.test');
    expect(code).toMatch(/^\d{6}$/);
    const res = await server.gql(SIGN_IN, { email: 'sam@uni.test', code }, null);
    expect(res.data.signIn).toMatchObject({
      __typename: 'SignInSuccess',
      person: { email: 'sam@uni.test', role: 'STUDENT' },
    });
    const token: string = res.data.signIn.token;
    const me = await server.gql(`{ me { email role } }`, {}, token);
    expect(me.data.me).toEqual({ email: 'sam@uni.test', role: 'STUDENT' });
    await connected(server.wsClient({ authorization: `Bearer ${token}` }));
    // The code works once.
    const again = await server.gql(SIGN_IN, { email: 'sam@uni.test', code }, null);
    expect(again.data.signIn.reason).toBe('CODE_NOT_VALID');
  });

  it('answers an unknown address exactly like a known one and sends nothing', async () => {
    const server = await startTestServer();
    const res = await server.gql(REQUEST, { email: 'nobody@uni.test' }, null);
    expect(res.data.requestSignInCode.ok).toBe(true);
    expect((await server.gql(OUTBOX, { to: 'nobody@uni.test' })).data.devOutbox).toEqual([]);
  });

  it('refuses a malformed address with BAD_USER_INPUT', async () => {
    const server = await startTestServer();
    const res = await server.gql(REQUEST, { email: 'not an email' }, null);
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('locks the code after five wrong guesses, even for the right code', async () => {
    const server = await startTestServer();
    await server.services.people.createPerson({ email: 'kim@uni.test', name: 'Kim', role: 'STAFF' });
    await server.gql(REQUEST, { email: 'kim@uni.test' }, null);
    const code = (await codeFor(server, 'kim@uni.test'))!;
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++) {
      const r = await server.gql(SIGN_IN, { email: 'kim@uni.test', code: wrong }, null);
      expect(r.data.signIn.reason).toBe('CODE_NOT_VALID');
    }
    const locked = await server.gql(SIGN_IN, { email: 'kim@uni.test', code }, null);
    expect(locked.data.signIn.reason).toBe('LOCKED_OUT');
  });

  it('answers a known and an unknown address identically, through wrong codes and the lockout', async () => {
    const server = await startTestServer();
    await server.services.people.createPerson({ email: 'real@uni.test', name: 'Real', role: 'STUDENT' });
    const answers = async (email: string) => {
      const out: unknown[] = [
        await server.gql(REQUEST, { email }, null).then((r) => Object.keys(r.data.requestSignInCode)),
      ];
      for (let i = 0; i < 7; i++) out.push((await server.gql(SIGN_IN, { email, code: '000000' }, null)).data.signIn);
      return out;
    };
    const known = await answers('real@uni.test');
    const unknown = await answers('nobody@uni.test');
    expect(unknown).toEqual(known);
    expect(known.at(-1)).toMatchObject({ reason: 'LOCKED_OUT' });
  });

  it('lets the real person in with a newly requested code after someone else burnt theirs', async () => {
    const server = await startTestServer();
    await server.services.people.createPerson({ email: 'kim@uni.test', name: 'Kim', role: 'STAFF' });
    await server.gql(REQUEST, { email: 'kim@uni.test' }, null);
    for (let i = 0; i < 6; i++) await server.gql(SIGN_IN, { email: 'kim@uni.test', code: '000000' }, null);
    expect((await server.gql(SIGN_IN, { email: 'kim@uni.test', code: '000000' }, null)).data.signIn.reason).toBe(
      'LOCKED_OUT',
    );
    await server.gql(REQUEST, { email: 'kim@uni.test' }, null);
    const code = await codeFor(server, 'kim@uni.test');
    const res = await server.gql(SIGN_IN, { email: 'kim@uni.test', code }, null);
    expect(res.data.signIn.__typename).toBe('SignInSuccess');
  });

  it('limits sign-in tries and code requests per network client, without holding up anyone else', async () => {
    const server = await startTestServer({ TRUST_PROXY: 'true' });
    await server.services.people.createPerson({ email: 'lee@uni.test', name: 'Lee', role: 'STUDENT' });
    const from = async (ip: string, query: string, variables: Record<string, unknown>) => {
      const res = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
        body: JSON.stringify({ query, variables }),
      });
      return ((await res.json()) as { data: any }).data;
    };
    // One client guessing across many addresses meets its own budget.
    const capacity = BUDGETS.SIGN_IN_CODE.client!.capacity;
    for (let i = 0; i < capacity; i++)
      expect((await from('10.9.0.1', SIGN_IN, { email: `x${i}@uni.test`, code: '000000' })).signIn.reason).toBe(
        'CODE_NOT_VALID',
      );
    expect((await from('10.9.0.1', SIGN_IN, { email: 'x@uni.test', code: '000000' })).signIn.reason).toBe('LOCKED_OUT');
    // Requests: past the client's allowance nothing more is mailed, and the answer does not change.
    const requests = BUDGETS.SIGN_IN_REQUEST.client!.capacity;
    for (let i = 0; i < requests; i++) await from('10.9.0.2', REQUEST, { email: `r${i}@uni.test` });
    expect((await from('10.9.0.2', REQUEST, { email: 'lee@uni.test' })).requestSignInCode.ok).toBe(true);
    expect(await codeFor(server, 'lee@uni.test')).toBeNull();
    // Someone on another network signs in as usual.
    await from('10.9.0.3', REQUEST, { email: 'lee@uni.test' });
    const code = await codeFor(server, 'lee@uni.test');
    expect((await from('10.9.0.3', SIGN_IN, { email: 'lee@uni.test', code })).signIn.__typename).toBe('SignInSuccess');
  });

  it('signs out by revoking the token', async () => {
    const server = await startTestServer();
    const token = await server.tokenFor('MAILROOM');
    expect((await server.gql(`mutation { signOut }`, {}, token)).data.signOut).toBe(true);
    const after = await server.gql(`{ sites { id } }`, {}, token);
    expect(after.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(await closeCode(server.wsClient({ authorization: `Bearer ${token}` }))).toBe(4403);
  });

  it('keeps the dev outbox closed unless DEV_OUTBOX is on, and to everyone but admins even then', async () => {
    const off = await startTestServer({ DEV_OUTBOX: 'false' });
    expect((await off.gql(OUTBOX, {})).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const on = await startTestServer();
    expect((await on.gql(OUTBOX, {}, null)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await on.gql(OUTBOX, {}, await on.tokenFor('MAILROOM'))).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('shows the dev outbox (sign-in codes) to an admin only, even in development', async () => {
    const server = await startTestServer({ NODE_ENV: 'development' });
    await server.services.people.createPerson({ email: 'lee@uni.test', name: 'Lee', role: 'STUDENT' });
    await server.gql(REQUEST, { email: 'lee@uni.test' }, null);
    expect((await server.gql(OUTBOX, { to: 'lee@uni.test' }, null)).errors?.[0]?.extensions?.code).toBe(
      'UNAUTHENTICATED',
    );
    const student = await server.tokenFor('STUDENT');
    expect((await server.gql(OUTBOX, { to: 'lee@uni.test' }, student)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await server.gql(OUTBOX, { to: 'lee@uni.test' })).data.devOutbox).toHaveLength(1);
  });
});
