/**
 * Test fixtures for the Baylight end-to-end tests.
 *
 *   import { test, expect } from '../fixtures.js';
 *
 *   test('…', async ({ page, seed, api, signInAs, controller, board }) => {
 *     await signInAs(page, 'admin');            // seeds the web session (no UI)
 *     await board.open();                        // `/lockers`, waits for the banks
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
 * - `openPage(who, options)`: one more browser context (a second person, a
 *   kiosk), signed in as `who` (or anonymous with null), closed after the test.
 * - `parcels`: parcels through the API (take in and wait until ready, read
 *   the recipient's code and QR); every parcel it knows of that is still in a
 *   locker after the test is collected through the bank's controller.
 * - helpers: `boardOn(page)`, `pairKiosk`, `typeOnKeypad`, `waitForCommand`,
 *   `persistedParcel`, `uniqueTracking`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { test as base, expect, type BrowserContextOptions, type Locator, type Page } from '@playwright/test';
import {
  SimulatedController,
  type CommandHandled,
  type Logger,
  type SimulatedControllerOptions,
} from '@baylight/simulator';
import { graphql, graphqlRaw, latestSignInCode, signInThroughApi, type GraphQLResponse } from './support/graphql.js';
import {
  apiUrl,
  readDevices,
  readState,
  saveDeviceToken,
  readOutboxToken,
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
  // The dev outbox is an admin's to read.
  const outboxToken = readOutboxToken(readState().secretsFile);
  const cache = new Map<string, Session>(Object.values(seed.people).map((p) => [p.email, p.session]));
  const session = async (who: Who) => {
    const email = demoEmail(who);
    let s = cache.get(email);
    if (!s) {
      s = await signInThroughApi(email, outboxToken);
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
    signIn: (who) => signInThroughApi(demoEmail(who), outboxToken),
    latestSignInCode: async (who) => (await latestSignInCode(demoEmail(who), outboxToken))?.code ?? null,
  };
}

// ---------------------------------------------------------------------------
// board: the lockers board on a page
// ---------------------------------------------------------------------------

export interface Board {
  /** Goes to the board (`/lockers`) and waits until the banks are shown. */
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
      await page.goto('/lockers');
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
export async function seedWebSession(page: Page, session: Session): Promise<void> {
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

// ---------------------------------------------------------------------------
// Parcel screens: more people at once, the kiosk, door commands, parcels via the API
// ---------------------------------------------------------------------------

/** The lockers board on any page (e.g. an admin's, next to the test's own `page`). */
export const boardOn = (page: Page): Board => createBoard(page);

/** A new browser context signed in as `who` (null: nobody, e.g. a kiosk), with the config's options. */
export type OpenPage = (who: Who | null, options?: BrowserContextOptions) => Promise<Page>;

/** A tracking number nobody used before, in UPS's format (the server recognises the carrier). */
export function uniqueTracking(): string {
  const alphabet = '0123456789ABCDEFGHJKLMNPQRSTUVWXYZ';
  const bytes = randomBytes(16);
  return `1Z${Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('')}`;
}

/**
 * Resolves with the next command `sim` handles that matches; call it BEFORE
 * what sends the command. A promise nobody awaits (the test failed earlier)
 * does not turn into an unhandled rejection.
 */
export function waitForCommand(
  sim: SimulatedController,
  match: { label?: string; via?: string; kind?: string } = {},
  timeoutMs = 10_000,
): Promise<CommandHandled> {
  const promise = new Promise<CommandHandled>((resolve, reject) => {
    const seen: string[] = [];
    const timer = setTimeout(() => {
      off();
      reject(
        new Error(
          `${sim.name}: no command matching ${JSON.stringify(match)} within ${timeoutMs} ms` +
            (seen.length ? ` (saw ${seen.join(', ')})` : ''),
        ),
      );
    }, timeoutMs);
    const off = sim.onCommand((handled) => {
      const { command } = handled;
      seen.push(`${command.kind} ${command.compartmentLabel} via ${command.via ?? '-'}`);
      if (match.kind !== undefined && command.kind !== match.kind) return;
      if (match.label !== undefined && command.compartmentLabel !== match.label) return;
      if (match.via !== undefined && command.via !== match.via) return;
      clearTimeout(timer);
      off();
      resolve(handled);
    });
  });
  promise.catch(() => undefined);
  return promise;
}

/** `/kiosk/<bankId>` paired with a kiosk token through the pairing screen; resolves when the keypad shows. */
export async function pairKiosk(page: Page, bankId: string, token: string): Promise<void> {
  await page.goto(`/kiosk/${encodeURIComponent(bankId)}`);
  await page.getByTestId('kiosk-pair-token').fill(token);
  await page.getByTestId('kiosk-pair-submit').click();
  await expect(page.getByTestId('kiosk-key-1')).toBeVisible({ timeout: 10_000 });
  await expect(page.getByTestId('kiosk-bank-name')).not.toHaveText('Baylight locker');
}

/** Types a code on the kiosk's on-screen keypad, one `kiosk-key-<digit>` at a time. */
export async function typeOnKeypad(page: Page, code: string): Promise<void> {
  const display = page.getByTestId('kiosk-display');
  const start = Number((await display.getAttribute('data-length')) ?? '0');
  for (const [i, digit] of [...code].entries()) {
    await page.getByTestId(`kiosk-key-${digit}`).click();
    await expect(display).toHaveAttribute('data-length', String(start + i + 1));
  }
}

export { persistedParcel, type PersistedParcel } from './support/browser.js';

export type ParcelStatus = 'AWAITING_DEPOSIT' | 'READY_FOR_PICKUP' | 'AT_DESK' | 'PICKED_UP' | 'RECALL_PENDING';

export interface ReadyParcel {
  id: string;
  tracking: string;
  bank: DemoBank;
  label: string;
  /** The recipient's 8-digit code and QR token. */
  code: string;
  qrToken: string;
}

export interface ParcelView {
  id: string;
  status: ParcelStatus;
  pickupMethod: string | null;
  bank: { id: string; name: string } | null;
  compartment: { label: string } | null;
  recipient: { email: string };
  pickupCode: string | null;
  pickupQrToken: string | null;
}

export interface Parcels {
  /**
   * Takes a parcel in through the API (as the mailroom unless `as` says
   * otherwise) at `bank` and waits until it is READY_FOR_PICKUP. The bank's
   * controller must be connected with `simulatePeople: true`.
   */
  deposit(bank: DemoBank, options?: { recipient?: Who; size?: 'S' | 'M' | 'L' | 'XL'; as?: Who }): Promise<ReadyParcel>;
  /** The parcel as `who` sees it (the code and QR only for the recipient or proxy). */
  view(id: string, who?: Who): Promise<ParcelView | null>;
  /** Waits (polling the API as the admin) until the parcel has this status. */
  expectStatus(id: string, status: ParcelStatus, timeout?: number): Promise<void>;
  /** Collected after the test if it is still in a locker (for parcels taken in through the UI). */
  track(id: string): void;
}

const PARCEL_VIEW = /* GraphQL */ `
  query E2eParcel($id: ID!) {
    parcel(id: $id) {
      id
      status
      pickupMethod
      bank {
        id
        name
      }
      compartment {
        label
      }
      recipient {
        email
      }
      pickupCode
      pickupQrToken
    }
  }
`;

function createParcels(api: Api, tracked: Set<string>): Parcels {
  const view = async (id: string, who: Who = 'admin') =>
    (await api.request<{ parcel: ParcelView | null }>(PARCEL_VIEW, { id }, { as: who })).parcel;
  const expectStatus = async (id: string, status: ParcelStatus, timeout = 10_000) => {
    await expect
      .poll(async () => (await view(id))?.status, { message: `parcel ${id} becomes ${status}`, timeout })
      .toBe(status);
  };
  return {
    view,
    expectStatus,
    track: (id) => void tracked.add(id),
    async deposit(bank, { recipient = 'student', size = 'S', as = 'mailroom' } = {}) {
      const recipientId = (await api.session(recipient)).person.id;
      const bankId = (
        await api.request<{ lockerBanks: { id: string; name: string }[] }>(
          'query { lockerBanks { id name } }',
          {},
          { as: 'admin' },
        )
      ).lockerBanks.find((b) => b.name === bank)?.id;
      if (!bankId) throw new Error(`no bank named ${bank}`);
      const tracking = uniqueTracking();
      const { intakeParcel: result } = await api.request<{
        intakeParcel: {
          __typename: string;
          parcel?: { id: string; bank: { name: string } | null };
          compartment?: { label: string };
        };
      }>(
        `mutation($input: IntakeParcelInput!) {
          intakeParcel(input: $input) {
            __typename
            ... on ParcelReserved { parcel { id bank { name } } compartment { label } }
            ... on ParcelSentToDesk { parcel { id bank { name } } }
            ... on ParcelTooBig { parcel { id bank { name } } }
          }
        }`,
        { input: { tracking, recipientId, size, bankId } },
        { as },
      );
      if (result.parcel) tracked.add(result.parcel.id);
      if (result.__typename !== 'ParcelReserved' || result.parcel?.bank?.name !== bank || !result.compartment) {
        throw new Error(`intake at ${bank} did not reserve a compartment there: ${JSON.stringify(result)}`);
      }
      const id = result.parcel.id;
      await expectStatus(id, 'READY_FOR_PICKUP');
      const mine = await view(id, recipient);
      if (!mine?.pickupCode || !mine.pickupQrToken) throw new Error(`the recipient sees no code for ${id}`);
      return {
        id,
        tracking,
        bank,
        label: result.compartment.label,
        code: mine.pickupCode,
        qrToken: mine.pickupQrToken,
      };
    },
  };
}

interface TestFixtures {
  signInAs: SignInAs;
  controller: StartController;
  board: Board;
  openPage: OpenPage;
  parcels: Parcels;
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

  openPage: async ({ browser, signInAs }, use) => {
    const contexts: { close(): Promise<void> }[] = [];
    await use(async (who, options = {}) => {
      const context = await browser.newContext(options);
      contexts.push(context);
      const page = await context.newPage();
      if (who !== null) await signInAs(page, who);
      return page;
    });
    await Promise.all(contexts.map((c) => c.close().catch(() => undefined)));
  },

  // Depends on `controller`, so it is torn down first, while controllers can still be started.
  parcels: async ({ api, controller }, use, testInfo) => {
    const tracked = new Set<string>();
    const parcels = createParcels(api, tracked);
    await use(parcels);
    // Leave the banks as we found them: collect what is still in a locker with its code.
    const problems: string[] = [];
    for (const id of tracked) {
      try {
        const parcel = await parcels.view(id);
        if (parcel?.status !== 'READY_FOR_PICKUP' || !parcel.bank) continue;
        const mine = await parcels.view(id, parcel.recipient.email);
        const sim = await controller(parcel.bank.name as DemoBank, { simulatePeople: true, closeAfterMs: 200 });
        const answer = await sim.redeemPickupCode(mine?.pickupCode ?? '');
        if (answer.__typename !== 'PickupOpened') throw new Error(`code refused: ${JSON.stringify(answer)}`);
        await parcels.expectStatus(id, 'PICKED_UP');
        await sim.stop();
      } catch (error) {
        problems.push(`${id}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (problems.length) {
      console.warn(`[parcels] could not collect after "${testInfo.title}":\n${problems.join('\n')}`);
      await testInfo.attach('parcel-cleanup.txt', { body: problems.join('\n'), contentType: 'text/plain' });
    }
  },
});
