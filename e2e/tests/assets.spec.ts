/**
 * IT's asset register in the web app: a CSV with a bad line is refused
 * whole and the line is named; the fixed file is checked, then imported;
 * one asset is added with the form; the register is searched and exported.
 * A department analyst sees only the assets Engineering owns, and no way to
 * change them.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { expect, test } from '../fixtures.js';
import { FAKE_CAMERA_TEXT } from '../support/fake-camera.js';
import { expectNoAxeViolations } from '../support/axe.js';

test('IT imports a register from CSV (a bad line refuses the whole file), adds an asset, searches and exports; a department sees its own', async ({
  page,
  signInAs,
  openPage,
}) => {
  test.setTimeout(90_000);
  const run = randomBytes(3).toString('hex').toUpperCase();
  const tag = (n: number) => `E2E-${run}-${n}`;
  await signInAs(page, 'it');
  await page.goto('/assets');
  await expect(page.getByRole('heading', { name: 'Assets', level: 1 })).toBeVisible();
  // The demo's register is there.
  await expect(page.getByTestId('asset-row-LT-0001')).toBeVisible();

  // 1. A file with a line missing its model: nothing is imported, and the line is named.
  const csv = page.getByTestId('assets-csv');
  await csv.fill(`tag,model,category,serial\n${tag(1)},ThinkPad T14,laptop,S1\n${tag(2)},,laptop,S2\n`);
  await page.getByTestId('assets-import').click();
  const result = page.getByTestId('assets-import-result');
  await expect(result).toHaveAttribute('data-applied', 'false');
  await expect(result).toContainText('Nothing was imported');
  await expect(page.getByTestId('assets-import-error-3')).toContainText('model is empty');
  await expect(result).toBeFocused();
  await page.getByTestId('assets-search').fill(`E2E-${run}`);
  await expect(page.getByTestId('assets-empty')).toContainText('No assets match');

  // 2. Fixed, checked (a dry run), then imported.
  await csv.fill(`tag,model,category,serial\n${tag(1)},ThinkPad T14,laptop,S1\n${tag(2)},ThinkPad T14,laptop,S2\n`);
  await page.getByTestId('assets-check').click();
  await expect(result).toContainText('Checked: ready to import');
  await expect(result).toContainText('2 new');
  await expect(page.getByTestId(`asset-row-${tag(1)}`)).toHaveCount(0);
  await page.getByTestId('assets-import').click();
  await expect(result).toHaveAttribute('data-applied', 'true');
  await expect(page.getByTestId(`asset-row-${tag(1)}`)).toBeVisible();
  await expect(page.getByTestId(`asset-row-${tag(2)}`)).toContainText('In stock');

  // 3. One more with the form; the same tag again is refused, naming the field, which gets the focus.
  await page.getByTestId('asset-tag').fill(tag(3));
  await page.getByTestId('asset-model').fill('MacBook Air 13');
  await page.getByTestId('asset-category').fill('laptop');
  await page.getByTestId('asset-add').click();
  await expect(page.getByTestId('asset-added')).toHaveText(`Added ${tag(3)}.`);
  await expect(page.getByTestId(`asset-row-${tag(3)}`)).toBeVisible();
  await page.getByTestId('asset-tag').fill(tag(3).toLowerCase());
  await page.getByTestId('asset-add').click();
  await expect(page.getByTestId('asset-problem')).toContainText('is in the register already');
  await expect(page.getByTestId('asset-tag')).toBeFocused();
  await expect(page.getByTestId('asset-tag')).toHaveAttribute('aria-invalid', 'true');
  await page.screenshot({ path: test.info().outputPath('assets-it.png'), fullPage: true });
  await expectNoAxeViolations(page, 'the asset register, with import errors and a refused tag');

  // 4. The export holds what the search shows.
  const download = page.waitForEvent('download');
  await page.getByTestId('assets-export').click();
  const file = await (await download).path();
  const text = await readFile(file, 'utf8');
  expect(text.split('\r\n')[0]).toBe('tag,serial,model,category,department,condition,status,notes');
  for (const n of [1, 2, 3]) expect(text).toContain(tag(n));
  expect(text).not.toContain('LT-0001');
  await expect(page.getByTestId('assets-export-note')).toContainText('Downloaded baylight-assets-');

  // 5. The Engineering analyst: Engineering's laptops only, read only.
  const analyst = await openPage('analyst');
  await analyst.goto('/assets');
  await expect(analyst.getByTestId('asset-row-EN-0101')).toBeVisible();
  await expect(analyst.getByTestId('asset-row-EN-0102')).toBeVisible();
  await expect(analyst.locator('[data-testid^="asset-row-"]')).toHaveCount(2);
  await expect(analyst.getByTestId('asset-add')).toHaveCount(0);
  await expect(analyst.getByTestId('assets-import')).toHaveCount(0);
  await analyst.screenshot({ path: test.info().outputPath('assets-analyst.png'), fullPage: true });
});

test('IT edits an asset and sends it to repair with a reason; an edit made meanwhile elsewhere is shown, never overwritten', async ({
  page,
  signInAs,
  api,
}) => {
  const tag = `E2E-${randomBytes(3).toString('hex').toUpperCase()}-R`;
  const made = await api.request<{ createAsset: { asset: { id: string } } }>(
    `mutation ($i: CreateAssetInput!) { createAsset(input: $i) { ... on AssetSaved { asset { id } } } }`,
    { i: { tag, model: 'ThinkPad T14', category: 'laptop' } },
    { as: 'it' },
  );
  const id = made.createAsset.asset.id;
  await signInAs(page, 'it');
  await page.goto('/assets');
  await page.getByTestId('assets-search').fill(tag);
  await page.getByTestId(`asset-open-${tag}`).click();
  const details = page.getByTestId('asset-details');
  await expect(details.getByRole('heading', { name: `${tag}: In stock` })).toBeFocused();

  await page.getByTestId('edit-model').fill('ThinkPad T14 Gen 5');
  await page.getByTestId('asset-save').click();
  await expect(page.getByTestId('asset-details-message')).toHaveText('Saved.');

  await page.getByTestId('asset-new-status').selectOption('IN_REPAIR');
  await page.getByTestId('asset-set-status').click();
  await expect(page.getByTestId('asset-details-message')).toContainText('Say why');
  await page.getByTestId('asset-reason').fill('Cracked screen');
  await page.getByTestId('asset-set-status').click();
  await expect(details.getByRole('heading', { name: `${tag}: In repair` })).toBeVisible();
  await expect(page.getByTestId(`asset-row-${tag}`)).toHaveAttribute('data-status', 'IN_REPAIR');
  const history = page.getByTestId('asset-history');
  await expect(history.locator('li')).toHaveCount(3);
  await expect(history.locator('li').first()).toContainText('IN_STOCK → IN_REPAIR: Cracked screen');
  await expect(history).toContainText('model: ThinkPad T14 → ThinkPad T14 Gen 5');

  // Another desk changes the notes meanwhile (at the version this page holds).
  const current = await api.request<{ asset: { version: number } }>(
    `query ($id: ID) { asset(id: $id) { version } }`,
    { id },
    { as: 'admin' },
  );
  await api.request(
    `mutation ($id: ID!, $v: Int!) { updateAsset(id: $id, version: $v, input: { notes: "Screen ordered" }) { __typename } }`,
    { id, v: current.asset.version },
    { as: 'admin' },
  );
  await page.getByTestId('edit-serial').fill('SHOULD-NOT-SAVE');
  await page.getByTestId('asset-save').click();
  await expect(page.getByTestId('asset-details-message')).toContainText('Someone changed this asset');
  await expect(page.getByTestId('edit-notes')).toHaveValue('Screen ordered');
  await expect(page.getByTestId('edit-serial')).toHaveValue('');
  await page.screenshot({ path: test.info().outputPath('asset-details.png'), fullPage: true });
  await expectNoAxeViolations(page, 'an asset with its history and a refused edit');
});

test('IT scans an asset label with the camera and its asset opens; the add form takes a scanned tag too', async ({
  page,
  signInAs,
}) => {
  // The browser's camera shows a QR code of the demo's LT-0002 (support/fake-camera.ts).
  await signInAs(page, 'it');
  await page.goto('/assets');
  // The fake camera shows the code at once: the dialog may come and go before a check could see it.
  await page.getByTestId('assets-scan').click();
  await expect(page.getByTestId('assets-search')).toHaveValue(FAKE_CAMERA_TEXT, { timeout: 15_000 });
  await expect(page.getByRole('dialog', { name: 'Scan an asset tag' })).toBeHidden();
  await expect(
    page.getByTestId('asset-details').getByRole('heading', { name: `${FAKE_CAMERA_TEXT}: In stock` }),
  ).toBeFocused();

  await page.getByTestId('asset-tag-scan').click();
  await expect(page.getByTestId('asset-tag')).toHaveValue(FAKE_CAMERA_TEXT, { timeout: 15_000 });
  await expect(page.getByTestId('asset-model')).toBeFocused();
});

test('students are told the asset register is not theirs', async ({ page, signInAs }) => {
  await signInAs(page, 'student');
  await page.goto('/assets');
  await expect(page.getByTestId('role-refused')).toContainText('This page is for IT, administrators and departments');
});
