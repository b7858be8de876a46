/**
 * The mailroom's people import: a pasted CSV is previewed, imported, and the
 * lines the server skipped are listed by line; a file larger than the limit
 * is refused before anything is sent.
 */
import { randomBytes } from 'node:crypto';
import { expect, test } from '../fixtures.js';

test('the mailroom imports people from a pasted CSV; a bad line is listed by its number', async ({
  page,
  signInAs,
}) => {
  const run = randomBytes(3).toString('hex');
  await signInAs(page, 'mailroom');
  await page.goto('/people');
  await page
    .getByTestId('people-csv')
    .fill(
      `email,name,role,studentId,department\nnew-${run}@uni.test,New Person,STUDENT,S-${run},Physics\nnot-an-address,Bad Line,,,\n`,
    );
  await expect(page.getByTestId('people-preview')).toContainText('2 people in the file');
  await page.getByTestId('people-import-submit').click();
  const result = page.getByTestId('people-import-result');
  await expect(result).toHaveAttribute('data-created', '1');
  await expect(result).toHaveAttribute('data-errors', '1');
  await expect(page.getByTestId('people-import-error-3')).toContainText('not a valid e-mail');

  // A file over 2 MB is refused here, and nothing is sent.
  await page.getByTestId('people-file').setInputFiles({
    name: 'huge.csv',
    mimeType: 'text/csv',
    buffer: Buffer.alloc(2 * 1024 * 1024 + 1, 'a'),
  });
  await expect(page.getByTestId('people-import-error')).toContainText('larger than 2 MB');
});
