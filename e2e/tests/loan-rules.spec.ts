/**
 * IT's loan rules page: a general rule and a more specific one are added, a
 * bad setting is refused naming its field, and "What applies?" shows each
 * setting with the rule that decided it. The rules are removed afterwards,
 * so other tests see none.
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
});
