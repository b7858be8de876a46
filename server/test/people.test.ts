/** Sign-in with e-mail and a one-time code; bearer tokens over HTTP and WebSocket. */
import { describe, expect, it } from 'vitest';
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
  const box = await server.gql(OUTBOX, { to: email });
  const subject: string = box.data.devOutbox[0]?.subject ?? '';
  return /(\d{6})/.exec(subject)?.[1] ?? null;
}

describe('sign-in', () => {
  it('signs a person in with the code from the dev outbox; the token works over HTTP and WebSocket', async () => {
    const server = await startTestServer();
    server.services.people.createPerson({ email: 'sam@uni.test', name: 'Sam', role: 'STUDENT' });
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
    server.services.people.createPerson({ email: 'kim@uni.test', name: 'Kim', role: 'STAFF' });
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

  it('signs out by revoking the token', async () => {
    const server = await startTestServer();
    const token = server.tokenFor('MAILROOM');
    expect((await server.gql(`mutation { signOut }`, {}, token)).data.signOut).toBe(true);
    const after = await server.gql(`{ sites { id } }`, {}, token);
    expect(after.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(await closeCode(server.wsClient({ authorization: `Bearer ${token}` }))).toBe(4403);
  });

  it('keeps the dev outbox closed unless DEV_OUTBOX is on', async () => {
    const server = await startTestServer({ DEV_OUTBOX: 'false' });
    const res = await server.gql(OUTBOX, {}, null);
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('shows the dev outbox (sign-in codes) to an admin only, even in development', async () => {
    const server = await startTestServer({ NODE_ENV: 'development' });
    server.services.people.createPerson({ email: 'lee@uni.test', name: 'Lee', role: 'STUDENT' });
    await server.gql(REQUEST, { email: 'lee@uni.test' }, null);
    expect((await server.gql(OUTBOX, { to: 'lee@uni.test' }, null)).errors?.[0]?.extensions?.code).toBe(
      'UNAUTHENTICATED',
    );
    const student = server.tokenFor('STUDENT');
    expect((await server.gql(OUTBOX, { to: 'lee@uni.test' }, student)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await server.gql(OUTBOX, { to: 'lee@uni.test' })).data.devOutbox).toHaveLength(1);
  });
});
