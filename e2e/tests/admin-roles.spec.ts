/**
 * An admin changes a person's role and disables them from the Roles page; both
 * reach the person's open app at once: the new role's pages appear without a
 * sign-in, and disabling signs them out.
 */
import { join } from 'node:path';
import { expect, seedWebSession, test } from '../fixtures.js';
import { signInThroughApi } from '../support/graphql.js';

test('a role change reaches the person’s open app at once, and disabling signs them out', async ({
  page,
  api,
  signInAs,
  openPage,
}, testInfo) => {
  const email = `e2e-role-${Date.now()}@demo.baylight.dev`;
  await api.request(
    'mutation($csv: String!) { importPeople(csv: $csv) { created errors { message } } }',
    { csv: `email,name,role\n${email},Robin Role,STUDENT\n` },
    { as: 'admin' },
  );
  const session = await signInThroughApi(email);
  const robin = await openPage(null);
  await seedWebSession(robin, session);
  await robin.goto('/');
  await expect(robin).toHaveURL(/\/parcels$/);
  await expect(robin.getByTestId('nav-/alerts')).toHaveCount(0);

  await signInAs(page, 'admin');
  await page.goto('/admin/people');
  await page.getByLabel('Find a person (name, e-mail or student id)').fill(email);
  await page.getByRole('button', { name: 'Search' }).click();
  const row = page.getByTestId(`access-${email}`);
  await row.getByLabel('Role').selectOption('STAFF');
  await expect(page.getByTestId('access-status')).toHaveText('Robin Role is now STAFF.');

  // Robin's app was told over its open socket (4001), re-read who Robin is and shows a staff member's pages.
  await expect(robin.getByTestId('signed-in-role')).toHaveText('Staff', { timeout: 5_000 });
  await expect(robin.getByTestId('nav-/alerts')).toBeVisible();

  const path = join(testInfo.project.outputDir, 'screenshots', 'admin-roles.png');
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach('admin-roles', { path, contentType: 'image/png' });

  page.once('dialog', (d) => void d.accept());
  await row.getByRole('button', { name: 'Disable Robin Role' }).click();
  await expect(page.getByTestId('access-status')).toHaveText('Robin Role is disabled.');
  await expect(robin).toHaveURL(/\/sign-in/, { timeout: 5_000 });
});
