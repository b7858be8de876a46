/**
 * axe-core in the page (WCAG 2.1 A and AA rules): a test fails with every
 * violation listed, each with the elements it found.
 *
 * @axe-core/playwright is pinned to 4.13: 4.14 declares Node ≥ 22.12 and this
 * stack runs Node 20.
 */
import { AxeBuilder } from '@axe-core/playwright';
import { expect, type Page } from '@playwright/test';

export async function expectNoAxeViolations(page: Page, what: string, include?: string): Promise<void> {
  let builder = new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']);
  if (include) builder = builder.include(include);
  const { violations } = await builder.analyze();
  const found = violations.map(
    (v) => `${v.id} (${v.impact ?? 'n/a'}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`,
  );
  expect(found, `axe on ${what}`).toEqual([]);
}
