/**
 * Keyboard and accessibility smoke test of the board, plus screenshots of it
 * on a phone (390 px) and a desktop (1440 px) in test-results/screenshots/;
 * axe (WCAG 2.1 A and AA) over the main pages of each role and the kiosk.
 * The bank page, the event log, the alerts' new kinds and the kiosk's pickup
 * steps are checked with axe in their own specs, in the states they show.
 */
import { join } from 'node:path';
import { expect, pairKiosk, test } from '../fixtures.js';
import { expectNoAxeViolations } from '../support/axe.js';

test('tiles have spoken names, the keyboard reaches sign-out and the tiles, and the board fits 390 px and 1440 px', async ({
  page,
  signInAs,
  board,
}, testInfo) => {
  await signInAs(page, 'admin');
  await board.open();

  await test.step('every tile has a name that says its state in words', async () => {
    const grid = page.getByRole('group', { name: 'Compartments of Engineering' });
    await expect(
      grid.getByRole('button', { name: 'A01, size S, door closed, occupancy unknown, available', exact: true }),
    ).toBeVisible();
    await expect(
      grid.getByRole('button', { name: 'B01, size M, door closed, occupancy unknown, available', exact: true }),
    ).toBeVisible();
    await expect(
      grid.getByRole('button', {
        name: 'D02, size L, door closed, occupancy unknown, available, accessible',
        exact: true,
      }),
    ).toBeVisible();
    const names = await page
      .locator('[data-testid^="compartment-"]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
    expect(names.length).toBeGreaterThan(0);
    for (const name of names)
      expect(name).toMatch(/^[A-D]\d{2}, size (S|M|L|XL), door (open|closed), (empty|occupied|occupancy unknown), /);
  });

  await test.step('Tab reaches the sign-out button, then a tile; arrows move between tiles', async () => {
    await page.locator('body').click({ position: { x: 1, y: 1 } });
    const signOut = page.getByRole('button', { name: 'Sign out' });
    let presses = 0;
    while (!(await signOut.evaluate((el) => el === document.activeElement)) && presses < 10) {
      await page.keyboard.press('Tab');
      presses++;
    }
    await expect(signOut).toBeFocused();

    // Onwards: the first tile of the first bank is the grid's one tab stop.
    let tileFocused = false;
    for (let i = 0; i < 30 && !tileFocused; i++) {
      await page.keyboard.press('Tab');
      tileFocused = await page.evaluate(
        () => document.activeElement?.getAttribute('data-testid')?.startsWith('compartment-') ?? false,
      );
    }
    expect(tileFocused).toBe(true);
    const first = await page.evaluate(() => document.activeElement?.getAttribute('data-testid'));
    await page.keyboard.press('ArrowRight');
    const second = await page.evaluate(() => document.activeElement?.getAttribute('data-testid'));
    expect(second).toMatch(/^compartment-/);
    expect(second).not.toBe(first);
  });

  await test.step('screenshots at 390 px and 1440 px, without sideways scrolling on the phone', async () => {
    const dir = join(testInfo.project.outputDir, 'screenshots');
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    for (const [width, height] of [
      [390, 844],
      [1440, 900],
    ] as const) {
      await page.setViewportSize({ width, height });
      await expect(board.bank('Library')).toBeVisible();
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow, `horizontal overflow at ${width} px`).toBeLessThanOrEqual(0);
      const path = join(dir, `board-${width}.png`);
      await page.screenshot({ path, fullPage: true });
      await testInfo.attach(`board-${width}`, { path, contentType: 'image/png' });
    }
  });
});

test('axe finds no WCAG A/AA violations on the board, the desk, the parcels lists, alerts and the kiosk', async ({
  page,
  signInAs,
  board,
  openPage,
  seed,
}) => {
  // Six pages, each scanned whole: axe takes a few seconds per page on two cores.
  test.setTimeout(120_000);
  await signInAs(page, 'mailroom');
  await board.open();
  await expectNoAxeViolations(page, 'the board');
  await page.goto('/desk');
  await expect(page.getByTestId('intake-tracking')).toBeVisible();
  await expectNoAxeViolations(page, 'the intake desk');
  await page.goto('/parcels/all');
  await expect(page.getByRole('heading', { name: 'Parcels', level: 1 })).toBeVisible();
  await expect(page.getByText('Loading…')).toHaveCount(0);
  await expectNoAxeViolations(page, 'all parcels');
  await page.goto('/alerts');
  await expect(page.getByRole('heading', { name: 'Open' })).toBeVisible();
  await expectNoAxeViolations(page, 'the alerts page');

  const student = await openPage('student');
  await student.goto('/parcels');
  await expect(student.getByText('Loading your parcels…')).toHaveCount(0);
  await expectNoAxeViolations(student, 'my parcels');

  const kiosk = await openPage(null);
  await pairKiosk(kiosk, seed.banks.Library.id, seed.banks.Library.kioskToken!);
  await expectNoAxeViolations(kiosk, 'the kiosk keypad');
});
