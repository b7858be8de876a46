/**
 * The alerts page shows the staff alert kinds of controller protocol version 2
 * (COMMAND_FAILED, EVENTS_LOST, EVENT_REJECTED, CLOCK_OFF, BANK_CONDITION) in
 * words, each with what to do and a link to the bank's controller and event
 * log. The server raises them from code being written elsewhere: here the
 * staffAlerts answer gets one of each, shaped as schema.graphql says, in front
 * of the real ones.
 */
import { join } from 'node:path';
import { expect, test } from '../fixtures.js';
import { expectNoAxeViolations } from '../support/axe.js';

const NEW_KINDS = [
  [
    'COMMAND_FAILED',
    'Door did not unlock',
    'A01',
    'A01: the lock did not release (LOCK_JAMMED). Asked by the kiosk for a pickup.',
  ],
  [
    'EVENTS_LOST',
    'Locker events lost',
    null,
    'The controller declared seq 120–180 lost: journal wiped after a storage fault.',
  ],
  [
    'EVENT_REJECTED',
    'Locker sent events it could not use',
    null,
    '3 events stored without effect (unknown kind DOOR_FORCED, unknown compartment Z99).',
  ],
  ['CLOCK_OFF', 'Locker clock is wrong', null, 'The controller clock is 2 h 0 min fast; event times are corrected.'],
  ['BANK_CONDITION', 'Locker bank condition', null, 'Running on battery (81 %) since 10:42.'],
] as const;

test('the new alert kinds read well: label, message, what to do, and the bank’s event log one click away', async ({
  page,
  signInAs,
  seed,
}, testInfo) => {
  const bankId = seed.banks.Library.id;
  await page.route('**/graphql', async (route) => {
    const body = route.request().postDataJSON() as { operationName?: string } | null;
    if (route.request().method() !== 'POST' || body?.operationName !== 'StaffAlerts') return route.fallback();
    const response = await route.fetch();
    const json = (await response.json()) as { data?: { staffAlerts?: unknown[] } };
    const fixtures = NEW_KINDS.map(([kind, , label, message], i) => ({
      __typename: 'StaffAlert',
      id: `alert_fixture_${kind}`,
      kind,
      bankId,
      compartmentLabel: label,
      parcelId: null,
      message,
      createdAt: new Date(Date.now() - i * 60_000).toISOString(),
      resolvedAt: null,
    }));
    if (json.data?.staffAlerts) json.data.staffAlerts = [...fixtures, ...json.data.staffAlerts];
    return route.fulfill({ response, json });
  });

  await signInAs(page, 'it');
  await page.goto('/alerts');
  for (const [kind, label, compartment, message] of NEW_KINDS) {
    const item = page.getByTestId(`alert-alert_fixture_${kind}`);
    await expect(item.getByRole('heading', { name: label })).toBeVisible();
    await expect(item).toContainText(message);
    await expect(item).toContainText(compartment ? `Library, compartment ${compartment}` : 'Library');
    await expect(item.getByTestId(`alert-bank-alert_fixture_${kind}`)).toHaveAttribute('href', `/lockers/${bankId}`);
  }
  await expectNoAxeViolations(page, 'the alerts page');
  const path = join(testInfo.project.outputDir, 'screenshots', 'alerts-new-kinds.png');
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach('alerts-new-kinds', { path, contentType: 'image/png' });

  await page.getByTestId('alert-bank-alert_fixture_EVENTS_LOST').click();
  await expect(page).toHaveURL(new RegExp(`/lockers/${bankId}$`));
  await expect(page.getByTestId('event-log')).toBeVisible();
});
