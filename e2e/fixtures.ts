/**
 * Test fixtures for the Baylight end-to-end tests.
 *
 *   import { test, expect } from '../fixtures.js';
 *
 *   test('…', async ({ page, seed, api, signInAs, controller, board }) => {
 *     await signInAs(page, 'admin');            // seeds the web session (no UI)
 *     await board.open();                        // `/`, waits for the banks
 *     const library = await controller('Library'); // a connected simulated controller
 *     library.openDoor('A01');
 *     await expect(board.tile('Library', 'A01')).toHaveAttribute('data-door', 'OPEN');
 *     await api.request('mutation { … }', {}, { as: 'admin' });
 *   });
 *
 * - `seed` (worker): the demo people with their API sessions (signed in once by
 *   global setup), the banks' ids and current device tokens.
 * - `api` (worker): GraphQL over HTTP to the e2e server, as any demo person or token.
 * - `signInAs(page, who)`: puts a session into the page's localStorage before
 *   the app's scripts run, as the web app's own sign-in would.
 * - `controller(bankName, options)`: a started SimulatedController for a demo
 *   bank, stopped after the test. A second controller with the same token
 *   replaces the first (close 4000), so each test owns its controllers.
 * - `board`: locators and waits for the lockers board on `page`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { test as base, expect, type Locator, type Page } from '@playwright/test';
import { SimulatedController, type Logger, type SimulatedControllerOptions } from '@baylight/simulator';
import { graphql, graphqlRaw, latestSignInCode, signInThroughApi, type GraphQLResponse } from './support/graphql.js';
import {
  apiUrl,
  readDevices,
  readState,
  saveDeviceToken,
  webUrl,
  wsUrl,
  type Role,
  type Session,
} from './support/stack.js';

export { expect };

// ---------------------------------------------------------------------------
// seed: demo people and banks (server/src/demo/seed.ts)
// ---------------------------------------------------------------------------

export const DEMO_DOMAIN = 'demo.baylight.dev';
export type DemoPerson = 'admin' | 'it' | 'mailroom' | 'courier' | 'student' | 'analyst';
export type DemoBank = 'Library' | 'Student Union' | 'Engineering';
/** A demo person by short name, or anyone by e-mail address. */
export type Who = DemoPerson | (string & {});

export const demoEmail = (who: Who): string => (who.includes('@') ? who.toLowerCase() : `${who}@${DEMO_DOMAIN}`);

export interface SeededPerson {
  email: string;
  id: string;
  name: string;
  role: Role;
  /** Bearer token of the person's API session (shared by the whole run: do not sign it out). */
  token: string;
  session: Session;
}

export interface SeededBank {
  name: DemoBank;
  id: string;
  /** The bank's kiosk credential (seed-demo makes one kiosk per bank), when the seed wrote one. */
  kioskToken?: string;
}

export interface Seed {
  people: Record<DemoPerson, SeededPerson>;
  admin: SeededPerson;
  it: SeededPerson;
  mailroom: SeededPerson;
  courier: SeededPerson;
  student: SeededPerson;
  /** DEPARTMENT, Engineering. */
  analyst: SeededPerson;
  banks: Record<DemoBank, SeededBank>;
  /** Labels of every demo bank (seeded with `--compartments 8`): A01 … D02. */
  labels: string[];
  /** The bank's current device token (re-read: a test may have rotated it). */
  deviceToken(bank: DemoBank): string;
  /** Records a rotated token so later tests and restarted workers use it. */
  setDeviceToken(bank: DemoBank, token: string): void;
}

function person(session: Session): SeededPerson {
  return { ...session.person, token: session.token, session };
}

function loadSeed(): Seed {
  const state = readState();
  const people = {} as Record<DemoPerson, SeededPerson>;
  for (const key of ['admin', 'it', 'mailroom', 'courier', 'student', 'analyst'] as const) {
    const session = state.sessions[demoEmail(key)];
    if (!session) throw new Error(`global setup did not sign in ${demoEmail(key)}`);
    people[key] = person(session);
  }
  const kiosks = existsSync(state.secretsFile)
    ? ((JSON.parse(readFileSync(state.secretsFile, 'utf8')) as { kiosks?: { bankId: string; token: string }[] })
        .kiosks ?? [])
    : [];
  const banks = {} as Record<DemoBank, SeededBank>;
  for (const d of readDevices()) {
    const kioskToken = kiosks.find((k) => k.bankId === d.bankId)?.token;
    banks[d.name as DemoBank] = { name: d.name as DemoBank, id: d.bankId, ...(kioskToken ? { kioskToken } : {}) };
  }
  const token = (bank: DemoBank) => {
    const entry = readDevices().find((d) => d.name === bank);
    if (!entry) throw new Error(`no demo bank named "${bank}"`);
    return entry.deviceToken;
  };
  // demoLayout(8): columns of four rows A–D.
  const labels = Array.from(
    { length: 8 },
    (_, i) => `${'ABCD'[i % 4]}${String(Math.floor(i / 4) + 1).padStart(2, '0')}`,
  );
  return {
    people,
    ...people,
    banks,
    labels,
    deviceToken: token,
    setDeviceToken: saveDeviceToken,
  };
}

// ---------------------------------------------------------------------------
// api: GraphQL over HTTP
// ---------------------------------------------------------------------------

export interface RequestOptions {
  /** Send as this person (their cached session). */
  as?: Who;
  /** Or with this bearer token. */
  token?: string;
}

export interface Api {
  readonly url: string;
  readonly wsUrl: string;
  /** The operation's data; throws GraphQLRequestFailed (with `.codes`) on any error. */
  request<T = any>(query: string, variables?: Record<string, unknown>, options?: RequestOptions): Promise<T>;
  /** The whole answer, errors included. */
  raw<T = any>(
    query: string,
    variables?: Record<string, unknown>,
    options?: RequestOptions,
  ): Promise<GraphQLResponse<T>>;
  /** A session for this person, signed in through the API once and cached for the run. */
  session(who: Who): Promise<Session>;
  token(who: Who): Promise<string>;
  /** A new session (new token) each call: for tests that sign out or revoke. Uses one of 5 codes per 15 min. */
  signIn(who: Who): Promise<Session>;
  /** The newest sign-in code in the dev outbox for this address. */
  latestSignInCode(who: Who): Promise<string | null>;
}

function createApi(seed: Seed): Api {
  const cache = new Map<string, Session>(Object.values(seed.people).map((p) => [p.email, p.session]));
  const session = async (who: Who) => {
    const email = demoEmail(who);
    let s = cache.get(email);
    if (!s) {
      s = await signInThroughApi(email);
      cache.set(email, s);
    }
    return s;
  };
  const tokenFor = async (options: RequestOptions = {}) =>
    options.token ?? (options.as ? (await session(options.as)).token : undefined);
  return {
    url: apiUrl,
    wsUrl,
    request: async (query, variables = {}, options) => graphql(query, variables, await tokenFor(options)),
    raw: async (query, variables = {}, options) => graphqlRaw(query, variables, await tokenFor(options)),
    session,
    token: async (who) => (await session(who)).token,
    signIn: (who) => signInThroughApi(demoEmail(who)),
    latestSignInCode: async (who) => (await latestSignInCode(demoEmail(who)))?.code ?? null,
  };
}

// ---------------------------------------------------------------------------
// board: the lockers board on a page
// ---------------------------------------------------------------------------

export interface Board {
  /** Goes to `/` and waits until the banks are shown. */
  open(): Promise<void>;
  bank(name: string): Locator;
  tile(bank: string, label: string): Locator;
  /** The bank's ONLINE/OFFLINE badge is the card's data-status. */
  expectStatus(bank: string, status: 'ONLINE' | 'OFFLINE', timeout?: number): Promise<void>;
  announcer: Locator;
  offlineBanner: Locator;
}

function createBoard(page: Page): Board {
  const bank = (name: string) => page.getByTestId(`bank-${name}`);
  return {
    async open() {
      await page.goto('/');
      await expect(page.locator('[data-testid^="compartment-"]').first()).toBeVisible({ timeout: 15_000 });
    },
    bank,
    tile: (bankName, label) => page.getByTestId(`compartment-${bankName}-${label}`),
    async expectStatus(name, status, timeout = 5_000) {
      await expect(bank(name)).toHaveAttribute('data-status', status, { timeout });
      await expect(bank(name).getByText(status, { exact: true })).toBeVisible();
    },
    announcer: page.getByTestId('door-announcer'),
    offlineBanner: page.getByTestId('offline-banner'),
  };
}

// ---------------------------------------------------------------------------
// signInAs: a web session without the sign-in UI
// ---------------------------------------------------------------------------

/** web/src/lib/session.ts */
export const SESSION_STORAGE_KEY = 'baylight.session';

export type SignInAs = (page: Page, who: Who) => Promise<Session>;

/**
 * Writes the session where the web app keeps it, before any of the app's
 * scripts run. Only on the first document of the tab (sessionStorage flag),
 * so a sign-out in the test is not undone by the next load.
 */
async function seedWebSession(page: Page, session: Session): Promise<void> {
  await page.addInitScript(
    ({ origin, key, value }) => {
      if (location.origin !== origin) return;
      try {
        if (sessionStorage.getItem('e2e.session-seeded')) return;
        sessionStorage.setItem('e2e.session-seeded', '1');
        localStorage.setItem(key, value);
      } catch {
        /* storage not available in this document */
      }
    },
    { origin: webUrl, key: SESSION_STORAGE_KEY, value: JSON.stringify(session) },
  );
}

// ---------------------------------------------------------------------------
// controller: simulated locker controllers
// ---------------------------------------------------------------------------

export interface ControllerOptions extends Partial<Omit<SimulatedControllerOptions, 'url'>> {
  /** Call start() and wait until connected (default true). */
  start?: boolean;
}

export type StartController = (bank: DemoBank, options?: ControllerOptions) => Promise<SimulatedController>;

// ---------------------------------------------------------------------------

interface TestFixtures {
  signInAs: SignInAs;
  controller: StartController;
  board: Board;
}

interface WorkerFixtures {
  seed: Seed;
  api: Api;
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  // eslint-disable-next-line no-empty-pattern
  seed: [async ({}, use) => use(loadSeed()), { scope: 'worker' }],

  api: [async ({ seed }, use) => use(createApi(seed)), { scope: 'worker' }],

  signInAs: async ({ api }, use) => {
    await use(async (page, who) => {
      const session = await api.session(who);
      await seedWebSession(page, session);
      return session;
    });
  },

  board: async ({ page }, use) => use(createBoard(page)),

  controller: async ({ seed }, use, testInfo) => {
    const sims: SimulatedController[] = [];
    const lines: string[] = [];
    const logger = (name: string): Logger => {
      const at = (level: string) => (message: string) =>
        lines.push(`${new Date().toISOString()} ${level} [${name}] ${message}`);
      return { debug: () => {}, info: at('info'), warn: at('warn'), error: at('error') };
    };
    await use(async (bank, options = {}) => {
      const { start = true, ...rest } = options;
      const sim = new SimulatedController({
        url: wsUrl,
        deviceToken: seed.deviceToken(bank),
        closeAfterMs: 500,
        retry: { minMs: 50, maxMs: 500 },
        logger: logger(bank),
        ...rest,
      });
      sims.push(sim);
      if (start) await sim.start();
      return sim;
    });
    await Promise.all(sims.map((s) => s.stop().catch(() => undefined)));
    if (lines.length && testInfo.status !== testInfo.expectedStatus) {
      await testInfo.attach('controllers.log', { body: lines.join('\n'), contentType: 'text/plain' });
    }
  },
});
