/**
 * Where things are, for the kit's tests: the repository, the tsx binary (run
 * directly, not through npx, so stopping a process stops the controller), and
 * commands for the controllers under test.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CheckResult, ReportJson } from '../../src/report.js';

export const conformanceDir = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
export const rootDir = dirname(conformanceDir);
export const tsx = join(rootDir, 'node_modules', '.bin', 'tsx');

/** The reference controller of test/fixtures, with bugs switched on. */
export function referenceController(...bugs: string[]): string {
  const script = join(conformanceDir, 'test', 'fixtures', 'reference-controller.ts');
  return `${tsx} ${script} {url} {token}${bugs.length ? ` --bug ${bugs.join(',')}` : ''}`;
}

export const simulatorAdapter = `${tsx} ${join(conformanceDir, 'src', 'adapters', 'simulator.ts')} {url} {token}`;

export function check(report: ReportJson, id: string): CheckResult {
  const found = report.checks.find((c) => c.id === id);
  if (!found) throw new Error(`no check ${id} in the report: ${report.checks.map((c) => c.id).join(', ')}`);
  return found;
}

/** The failed checks, as readable lines (so a failing assertion shows why). */
export function failures(report: ReportJson): string[] {
  return report.checks
    .filter((c) => c.status === 'FAIL')
    .map((c) => `${c.id} (PROTOCOL.md ${c.section}): expected ${c.expected ?? ''}; happened ${c.actual ?? ''}`);
}
