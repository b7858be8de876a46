/**
 * A bank's page for staff (`/lockers/<bankId>`): the controller (protocol
 * version, identity, capabilities, connection, clock, last health report) and
 * the event log, paged, with a "Problems only" view.
 *
 * The first tests run against the real stack. The others answer the two
 * queries of the page with data shaped exactly as schema.graphql says
 * (LockerBank.controller: ControllerInfo, Query.lockerEventLog:
 * LockerEventPage) while the server's resolvers for them are being written
 * elsewhere, so every variant the page must show (a version 1 controller, a
 * clock hours off, a rejected or unrecognised event, a lost range) is seen,
 * checked with axe and photographed. The rest of each answer is the real
 * server's.
 */
import { join } from 'node:path';
import type { Page, Route, TestInfo } from '@playwright/test';
import { expect, test } from '../fixtures.js';
import { expectNoAxeViolations } from '../support/axe.js';

async function screenshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const path = join(testInfo.project.outputDir, 'screenshots', `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach(name, { path, contentType: 'image/png' });
}

test('IT opens a bank’s page from the board: its controller and its event log', async ({
  page,
  signInAs,
  board,
  seed,
  controller,
}) => {
  await controller('Library');
  await signInAs(page, 'it');
  await board.open();
  await board.bank('Library').getByTestId('details-link-Library').click();
  await expect(page).toHaveURL(new RegExp(`/lockers/${seed.banks.Library.id}$`));
  await expect(page.getByRole('heading', { name: 'Library', level: 1 })).toBeVisible();
  await expect(page.getByTestId('nav-/lockers')).toHaveAttribute('aria-current', 'page');
  await expect(page.getByTestId('connection-status')).toHaveText('ONLINE');
  // Either what the controller said about itself, or plainly that none has.
  const panel = page.getByTestId('controller-panel');
  await expect(panel.getByRole('heading', { name: 'Controller' })).toBeVisible();
  await expect(panel.getByTestId('controller-none').or(panel.getByTestId('controller-protocol'))).toBeVisible();
  const log = page.getByTestId('event-log');
  await expect(log.getByRole('heading', { name: 'Event log' })).toBeVisible();
  await expect(log.getByRole('checkbox', { name: 'Problems only' })).not.toBeChecked();
});

test('a department sees its own bank’s page and no other', async ({ page, signInAs, seed }) => {
  await signInAs(page, 'analyst');
  await page.goto(`/lockers/${seed.banks.Engineering.id}`);
  await expect(page.getByRole('heading', { name: 'Engineering', level: 1 })).toBeVisible();
  await page.goto(`/lockers/${seed.banks.Library.id}`);
  await expect(page.getByTestId('bank-not-found')).toBeVisible();
});

test('students are told the bank page is not theirs', async ({ page, signInAs, seed }) => {
  await signInAs(page, 'student');
  await page.goto(`/lockers/${seed.banks.Library.id}`);
  await expect(page.getByTestId('role-refused')).toBeVisible();
});

// ---------------------------------------------------------------------------
// The contract's shapes
// ---------------------------------------------------------------------------

const HOUR = 3_600_000;
const iso = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();

type Json = Record<string, unknown>;

function controllerV2(): Json {
  return {
    __typename: 'ControllerInfo',
    protocolVersion: 2,
    model: 'Baylight LC-8',
    serial: 'LC8-0042',
    firmware: '2.3.1',
    capabilities: ['KEYPAD', 'QR_READER', 'OFFLINE_QR', 'DOOR_SENSOR', 'HEALTH_REPORT', 'LASER_GRID'],
    connectedAt: iso(3 * HOUR + 5 * 60_000),
    disconnectedAt: null,
    clockOffsetMs: 2 * HOUR,
    clockMeasuredAt: iso(60_000),
    clockTrusted: false,
    health: {
      __typename: 'ControllerHealth',
      receivedAt: iso(45_000),
      uptimeSeconds: 3 * 86_400 + 4 * 3_600,
      outboxDepth: 12,
      signalDbm: -67,
      firmware: '2.3.1',
      power: 'BATTERY',
      batteryPercent: 81,
      temperatureC: 31.5,
    },
  };
}

function controllerV1(): Json {
  return {
    __typename: 'ControllerInfo',
    protocolVersion: 1,
    model: null,
    serial: null,
    firmware: null,
    capabilities: [],
    connectedAt: iso(20 * 60_000),
    disconnectedAt: iso(2 * 60_000),
    clockOffsetMs: null,
    clockMeasuredAt: null,
    clockTrusted: false,
    health: null,
  };
}

function event(bankId: string, n: number, patch: Json): Json {
  return {
    __typename: 'LockerEvent',
    id: `evt_fixture_${n}`,
    bankId,
    compartmentLabel: 'A01',
    kind: 'DOOR_OPENED',
    reportedKind: 'DOOR_OPENED',
    seq: 200 - n,
    generation: 1,
    occurredAt: iso(n * 60_000),
    receivedAt: iso(n * 60_000 - 500),
    reportedAt: null,
    rejection: null,
    flags: [],
    code: null,
    faultCode: null,
    detail: null,
    ...patch,
  };
}

/** Two pages of a log with every kind of entry the page must show. */
function eventLog(bankId: string) {
  const newest = [
    event(bankId, 1, { kind: 'UNRECOGNISED', reportedKind: 'DOOR_FORCED', rejection: 'UNKNOWN_KIND' }),
    event(bankId, 2, {
      kind: 'DOOR_CLOSED',
      reportedKind: 'DOOR_CLOSED',
      flags: ['CLOCK_CORRECTED'],
      reportedAt: new Date(Date.now() - 2 * 60_000 + 2 * HOUR).toISOString(),
    }),
    event(bankId, 3, {
      kind: 'FAULT',
      reportedKind: 'FAULT',
      code: 'LOCK_JAMMED',
      faultCode: 'LOCK_JAMMED',
      detail: 'bolt did not retract',
    }),
    event(bankId, 4, {}),
  ];
  const older = [
    event(bankId, 5, {
      kind: 'EVENTS_LOST',
      reportedKind: null,
      compartmentLabel: null,
      seq: null,
      detail: 'seq 120–180 (journal wiped after a storage fault)',
    }),
    event(bankId, 6, { kind: 'POWER_LOST', reportedKind: 'POWER_LOST', compartmentLabel: null }),
    event(bankId, 7, {
      compartmentLabel: 'Z99',
      rejection: 'UNKNOWN_COMPARTMENT',
      flags: ['TRUNCATED'],
      detail: 'x'.repeat(40),
    }),
    event(bankId, 8, {
      kind: 'DOOR_OPENED',
      rejection: 'INVALID_TIME',
      reportedAt: '2026-12-02 10:00:00',
      flags: ['CLOCK_OUT_OF_RANGE'],
    }),
  ];
  return { newest, older };
}

interface Fixtures {
  controller: Json | null;
}

/**
 * Answers BankDetails with the real bank and `fixtures.controller`, and
 * LockerEventLog with the two fixture pages (filtered for problemsOnly).
 * Returns the variables of every LockerEventLog request seen.
 */
async function serveContract(page: Page, bankId: string, fixtures: Fixtures) {
  const logRequests: Json[] = [];
  const log = eventLog(bankId);
  const isProblem = (e: Json) =>
    e.kind === 'EVENTS_LOST' || e.kind === 'UNRECOGNISED' || !!e.rejection || (e.flags as string[]).length > 0;
  await page.route('**/graphql', async (route: Route) => {
    const request = route.request();
    if (request.method() !== 'POST') return route.fallback();
    const body = request.postDataJSON() as { operationName?: string; variables?: Json } | null;
    if (body?.operationName === 'BankDetails') {
      const response = await route.fetch();
      const json = (await response.json()) as { data?: { lockerBank?: Json | null } };
      if (json.data?.lockerBank) json.data.lockerBank.controller = fixtures.controller;
      return route.fulfill({ response, json });
    }
    if (body?.operationName === 'LockerEventLog') {
      const variables = body.variables ?? {};
      logRequests.push(variables);
      const problemsOnly = variables.problemsOnly === true;
      const pick = (events: Json[]) => (problemsOnly ? events.filter(isProblem) : events);
      const first = variables.after == null;
      const events = first ? pick(log.newest) : pick(log.older);
      return route.fulfill({
        json: {
          data: {
            lockerEventLog: {
              __typename: 'LockerEventPage',
              events,
              endCursor: first ? 'cursor-page-2' : null,
              hasNextPage: first,
            },
          },
        },
      });
    }
    return route.fallback();
  });
  return logRequests;
}

test('the controller panel: version, identity, capabilities, connection, a clock 2 h fast and the last health report', async ({
  page,
  signInAs,
  seed,
  controller,
}, testInfo) => {
  // The bank is ONLINE, so the controller reads as connected.
  await controller('Library');
  await serveContract(page, seed.banks.Library.id, { controller: controllerV2() });
  await signInAs(page, 'it');
  await page.goto(`/lockers/${seed.banks.Library.id}`);
  const panel = page.getByTestId('controller-panel');
  await expect(panel.getByTestId('controller-protocol')).toHaveText('version 2');
  await expect(panel.getByTestId('controller-model')).toHaveText('Baylight LC-8');
  await expect(panel.getByTestId('controller-serial')).toHaveText('LC8-0042');
  await expect(panel.getByTestId('controller-firmware')).toHaveText('2.3.1');
  const capabilities = panel.getByTestId('controller-capabilities').getByRole('listitem');
  await expect(capabilities).toHaveText([
    'Keypad',
    'QR reader',
    'Offline QR check',
    'Door sensors',
    'Health reports',
    // A name this page does not know is shown as sent.
    'LASER_GRID',
  ]);
  await expect(panel.getByTestId('controller-connection')).toContainText(/^Connected since .+ \(3 h \d+ min\)$/);
  await expect(panel.getByTestId('controller-clock')).toContainText('2 h 0 min fast — corrected');
  await expect(panel.getByTestId('controller-clock')).toContainText('Event times are moved by this offset');
  await expect(panel.getByTestId('health-uptime')).toHaveText('3 d 4 h');
  await expect(panel.getByTestId('health-journal')).toHaveText('12');
  await expect(panel.getByTestId('health-signal')).toHaveText('-67 dBm');
  await expect(panel.getByTestId('health-power')).toHaveText('On battery');
  await expect(panel.getByTestId('health-battery')).toHaveText('81 %');
  await expect(panel.getByTestId('health-temperature')).toHaveText('31.5 °C');
  await expect(page.getByTestId('event-log-table').locator('tbody tr')).toHaveCount(4);
  await expectNoAxeViolations(page, 'the bank page');
  await screenshot(page, testInfo, 'bank-details');
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(overflow, 'the bank page fits 390 px').toBeLessThanOrEqual(0);
  await screenshot(page, testInfo, 'bank-details-390');
});

test('a version 1 controller is marked deprecated; no controller yet says so', async ({ page, signInAs, seed }) => {
  const fixtures: Fixtures = { controller: controllerV1() };
  await serveContract(page, seed.banks.Library.id, fixtures);
  await signInAs(page, 'admin');
  await page.goto(`/lockers/${seed.banks.Library.id}`);
  const panel = page.getByTestId('controller-panel');
  await expect(panel.getByTestId('controller-protocol')).toContainText('version 1 — deprecated');
  await expect(panel.getByTestId('controller-protocol')).toContainText('Update its firmware to version 2');
  await expect(panel.getByTestId('controller-model')).toHaveText('not stated');
  await expect(panel.getByTestId('controller-clock')).toHaveText('not measured (the controller sent no time)');
  await expect(panel.getByTestId('controller-connection')).toContainText('Disconnected at');
  await expect(panel.getByTestId('controller-health')).toContainText('this controller does not send them');

  fixtures.controller = null;
  await page.reload();
  await expect(panel.getByTestId('controller-none')).toHaveText('No controller has connected yet.');
});

test('the event log: reasons, unrecognised kinds, flags with the reported time, fault codes, lost ranges and bank events; "Load older" and "Problems only"', async ({
  page,
  signInAs,
  seed,
}, testInfo) => {
  const requests = await serveContract(page, seed.banks.Library.id, { controller: controllerV2() });
  await signInAs(page, 'mailroom');
  await page.goto(`/lockers/${seed.banks.Library.id}`);
  const log = page.getByTestId('event-log');
  const rows = log.getByTestId('event-log-table').locator('tbody tr');
  await expect(rows).toHaveCount(4);

  const unrecognised = log.getByTestId('event-evt_fixture_1');
  await expect(unrecognised).toHaveAttribute('data-problem', 'unrecognised');
  await expect(unrecognised).toContainText('unrecognised: DOOR_FORCED');
  await expect(unrecognised).toContainText('Rejected: a kind this server does not know');
  const corrected = log.getByTestId('event-evt_fixture_2');
  await expect(corrected).toHaveAttribute('data-problem', 'flagged');
  await expect(corrected).toContainText(/Clock corrected \(reported \d{4}-\d{2}-\d{2}T/);
  const fault = log.getByTestId('event-evt_fixture_3');
  await expect(fault).toContainText('Fault code LOCK_JAMMED (Lock jammed)');
  await expect(fault).toContainText('bolt did not retract');
  await expect(log.getByTestId('event-evt_fixture_4')).not.toHaveAttribute('data-problem', /.+/);

  // Older entries, a page at a time; the newest stay.
  await log.getByTestId('event-log-older').click();
  await expect(rows).toHaveCount(8);
  expect(requests.at(-1)).toMatchObject({ after: 'cursor-page-2', problemsOnly: false });
  const lost = log.getByTestId('event-evt_fixture_5');
  await expect(lost).toHaveAttribute('data-problem', 'lost');
  await expect(lost.locator('td').nth(1)).toHaveText('Whole bank');
  await expect(lost).toContainText('Lost: seq 120–180 (journal wiped after a storage fault)');
  await expect(lost).toContainText('server');
  await expect(log.getByTestId('event-evt_fixture_6')).toContainText('Power lost');
  await expect(log.getByTestId('event-evt_fixture_6').locator('td').nth(1)).toHaveText('Whole bank');
  const rejected = log.getByTestId('event-evt_fixture_7');
  await expect(rejected.locator('td').nth(1)).toHaveText('Z99');
  await expect(rejected).toContainText('Rejected: no compartment with that label in this bank');
  await expect(rejected).toContainText('Text cut to its limit');
  const badTime = log.getByTestId('event-evt_fixture_8');
  await expect(badTime).toContainText('Rejected: its time had no zone');
  await expect(badTime).toContainText('(reported 2026-12-02 10:00:00)');
  // The end of the log is said, and focus goes there (the button it replaces is gone).
  await expect(log.getByTestId('event-log-end')).toBeFocused();
  await expect(log.getByTestId('event-log-status')).toHaveText(
    '4 older events loaded, 8 shown. This is the start of the log.',
  );
  await expectNoAxeViolations(page, 'the event log', '[data-testid="event-log"]');
  await screenshot(page, testInfo, 'event-log');

  // Problems only, from the keyboard.
  await log.getByRole('checkbox', { name: 'Problems only' }).focus();
  await page.keyboard.press('Space');
  await expect(log.getByRole('checkbox', { name: 'Problems only' })).toBeChecked();
  await expect(rows).toHaveCount(2);
  expect(requests.at(-1)).toMatchObject({ problemsOnly: true });
  await expect(log.getByTestId('event-evt_fixture_3')).toHaveCount(0);
  const older = log.getByTestId('event-log-older');
  for (let i = 0; i < 5 && !(await older.evaluate((el) => el === document.activeElement)); i++) {
    await page.keyboard.press('Tab');
  }
  await expect(older).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(rows).toHaveCount(5);
  await screenshot(page, testInfo, 'event-log-problems');
});
