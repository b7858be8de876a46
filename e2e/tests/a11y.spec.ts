/**
 * Keyboard and accessibility smoke test of the board, plus screenshots of it
 * on a phone (390 px) and a desktop (1440 px) in test-results/screenshots/.
 */
import { join } from 'node:path';
import { expect, test } from '../fixtures.js';

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
