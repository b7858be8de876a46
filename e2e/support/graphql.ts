/**
 * GraphQL over HTTP against the e2e server, as any API client would call it
 * (POST + JSON, bearer token). Used by global setup and by the `api` fixture.
 */
import { apiUrl, readOutboxToken, type Session } from './stack.js';

export interface GraphQLErrorEntry {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; [key: string]: unknown };
}

export interface GraphQLResponse<T> {
  data?: T | null;
  errors?: GraphQLErrorEntry[];
}

export class GraphQLRequestFailed extends Error {
  constructor(
    readonly errors: GraphQLErrorEntry[],
    readonly query: string,
  ) {
    super(
      `GraphQL errors: ${errors.map((e) => `${e.message}${e.extensions?.code ? ` (${e.extensions.code})` : ''}`).join('; ')}\n` +
        `in: ${query.replace(/\s+/g, ' ').trim().slice(0, 200)}`,
    );
  }

  get codes(): (string | undefined)[] {
    return this.errors.map((e) => e.extensions?.code);
  }
}

/** One operation; the whole answer, errors included (for tests that assert on errors). */
export async function graphqlRaw<T = any>(
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
): Promise<GraphQLResponse<T>> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(apiUrl, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  const text = await res.text();
  try {
    return JSON.parse(text) as GraphQLResponse<T>;
  } catch {
    throw new Error(`POST ${apiUrl} answered ${res.status} with non-JSON: ${text.slice(0, 300)}`);
  }
}

/** One operation; its data, or a GraphQLRequestFailed listing every error. */
export async function graphql<T = any>(
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
): Promise<T> {
  const answer = await graphqlRaw<T>(query, variables, token);
  if (answer.errors?.length) throw new GraphQLRequestFailed(answer.errors, query);
  if (answer.data == null) throw new Error(`no data in the answer to: ${query.slice(0, 200)}`);
  return answer.data;
}

const REQUEST_CODE = /* GraphQL */ `
  mutation RequestCode($email: String!) {
    requestSignInCode(email: $email) {
      ok
    }
  }
`;

const DEV_OUTBOX = /* GraphQL */ `
  query Outbox($to: String) {
    devOutbox(to: $to, limit: 1) {
      id
      subject
      text
    }
  }
`;

const SIGN_IN = /* GraphQL */ `
  mutation SignIn($email: String!, $code: String!) {
    signIn(email: $email, code: $code) {
      __typename
      ... on SignInSuccess {
        token
        expiresAt
        person {
          id
          name
          email
          role
        }
      }
      ... on SignInFailure {
        reason
        message
      }
    }
  }
`;

/**
 * The 6-digit code of the newest dev-outbox message to this address, and the
 * message id. The outbox answers admins only: `outboxToken` is the demo admin's
 * API token (seed-demo's secrets file).
 */
export async function latestSignInCode(
  email: string,
  outboxToken: string = readOutboxToken(),
): Promise<{ id: string; code: string } | null> {
  const { devOutbox } = await graphql<{ devOutbox: { id: string; subject: string; text: string }[] }>(
    DEV_OUTBOX,
    { to: email },
    outboxToken,
  );
  const message = devOutbox[0];
  const code = message && /\b(\d{6})\b/.exec(`${message.subject}\n${message.text}`)?.[1];
  return message && code ? { id: message.id, code } : null;
}

/**
 * Signs in through the API exactly like the web app does: ask for a code, read
 * it from the dev outbox (DEV_OUTBOX=true in e2e, read with the admin's token), redeem it. Each call uses one
 * of the address's 5 codes per quarter hour, so callers cache the session.
 */
export async function signInThroughApi(email: string, outboxToken: string = readOutboxToken()): Promise<Session> {
  const before = await latestSignInCode(email, outboxToken);
  await graphql(REQUEST_CODE, { email });
  const after = await latestSignInCode(email, outboxToken);
  if (!after || after.id === before?.id) {
    throw new Error(
      `no new sign-in code for ${email} in the dev outbox (unknown person, or rate limit of 5 codes per 15 min reached)`,
    );
  }
  const { signIn } = await graphql<{ signIn: any }>(SIGN_IN, { email, code: after.code });
  if (signIn.__typename !== 'SignInSuccess')
    throw new Error(`signIn(${email}) failed: ${signIn.reason} ${signIn.message}`);
  return { token: signIn.token, expiresAt: signIn.expiresAt, person: signIn.person };
}
