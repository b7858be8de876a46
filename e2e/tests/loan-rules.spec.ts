/**
 * IT's loan rules page: a general rule and a more specific one are added, a
 * bad setting is refused naming its field, and "What applies?" shows each
 * setting with the rule that decided it; site hours (a bad window refused,
 * the field focused), a closed day and a fault are added. The rules, hours,
 * closed day and faults are removed afterwards, so other tests see none.
 */
import { expect, test } from '../fixtures.js';
import { expectNoAxeViolations } from '../support/axe.js';

test('IT adds loan rules and sees, setting by setting, which one applies to a student', async ({
  page,
  signInAs,
  api,
}) => {
  await signInAs(page, 'it');
  await page.goto('/loan-rules');
  await expect(page.getByRole('heading', { name: 'Loan rules', level: 1 })).toBeVisible();

  // A general rule for laptops.
  await page.getByTestId('rule-category').fill('laptop');
  await page.getByTestId('rule-eligible').selectOption('yes');
  await page.getByTestId('rule-maxLoanHours').fill('72');
  await page.getByTestId('rule-renewals').fill('2');
  await page.getByTestId('rule-dueBy').fill('22:00');
  await page.getByTestId('rule-save').click();
  await expect(page.getByTestId('rule-saved')).toHaveText('Rule added.');
  await expect(page.getByTestId('rule-laptop-any-any')).toContainText('72 h');

  // A bad setting: refused, the field named and focused.
  await page.getByTestId('rule-category').fill('laptop');
  await page.getByTestId('rule-role').selectOption('STUDENT');
  await page.getByTestId('rule-renewals').fill('99');
  await page.getByTestId('rule-save').click();
  await expect(page.getByTestId('rule-problem')).toContainText('renewals must be a whole number from 0 to 20');
  await expect(page.getByTestId('rule-renewals')).toBeFocused();

  // Students get no renewals; the rest they inherit.
  await page.getByTestId('rule-renewals').fill('0');
  await page.getByTestId('rule-save').click();
  await expect(page.getByTestId('rule-saved')).toHaveText('Rule added.');
  await expect(page.getByTestId('rule-laptop-STUDENT-any')).toBeVisible();

  await page.getByTestId('check-category').fill('laptop');
  await page.getByTestId('check-role').selectOption('STUDENT');
  await page.getByTestId('check-submit').click();
  const result = page.getByTestId('check-result');
  await expect(result.locator('caption')).toHaveText('May borrow');
  await expect(page.getByTestId('check-renewals')).toContainText('0');
  await expect(page.getByTestId('check-renewals')).toContainText('laptop × STUDENT × any site');
  await expect(page.getByTestId('check-maxLoanHours')).toContainText('72');
  await expect(page.getByTestId('check-maxLoanHours')).toContainText('laptop × any role × any site');
  await expect(page.getByTestId('check-maxItems')).toContainText('default');

  // Site hours: a window that closes before it opens is refused, the field focused; then saved.
  await page.getByTestId('hours-1-open').check();
  await page.getByTestId('hours-1-opens').fill('18:00');
  await page.getByTestId('hours-1-closes').fill('09:00');
  await page.getByTestId('hours-save').click();
  await expect(page.getByTestId('hours-problem')).toContainText('closes must be later than opens');
  await expect(page.getByTestId('hours-1-closes')).toBeFocused();
  await page.getByTestId('hours-1-opens').fill('09:00');
  await page.getByTestId('hours-1-closes').fill('17:00');
  await page.getByTestId('hours-save').click();
  await expect(page.getByTestId('hours-saved')).toHaveText('Opening hours saved.');
  await page.getByTestId('blackout-day').fill('2099-12-24');
  await page.getByTestId('blackout-reason').fill('Christmas Eve');
  await page.getByTestId('blackout-add').click();
  await expect(page.getByTestId('blackout-2099-12-24')).toContainText('Christmas Eve');

  // Faults: one added for laptops, listed as critical.
  await page.getByTestId('faults-category').fill('laptop');
  await page.getByTestId('fault-label').fill('Screen cracked');
  await page.getByTestId('fault-critical').check();
  await page.getByTestId('fault-add').click();
  await expect(page.getByTestId('fault-saved')).toContainText('Screen cracked');
  await expect(page.getByTestId('fault-Screen cracked')).toContainText('yes');

  await page.screenshot({ path: test.info().outputPath('loan-rules.png'), fullPage: true });
  await expectNoAxeViolations(page, 'the loan rules page');

  // Leave no rules behind.
  const { loanPolicies } = await api.request<{ loanPolicies: { id: string }[] }>(
    '{ loanPolicies { id } }',
    {},
    { as: 'it' },
  );
  for (const p of loanPolicies)
    await api.request('mutation ($id: ID!) { deleteLoanPolicy(id: $id) }', { id: p.id }, { as: 'it' });
  const { sites, assetFaults } = await api.request<{ sites: { id: string }[]; assetFaults: { id: string }[] }>(
    '{ sites { id } assetFaults { id } }',
    {},
    { as: 'it' },
  );
  for (const site of sites) {
    await api.request(
      'mutation ($s: ID!) { setSiteHours(siteId: $s, hours: []) { siteId } }',
      { s: site.id },
      { as: 'it' },
    );
    await api.request(
      'mutation ($s: ID!) { removeBlackoutDay(siteId: $s, day: "2099-12-24") { siteId } }',
      { s: site.id },
      { as: 'it' },
    );
  }
  for (const f of assetFaults)
    await api.request('mutation ($id: ID!) { removeAssetFault(id: $id) }', { id: f.id }, { as: 'it' });
});
