/**
 * The report: a FAIL is never hidden by a pass, a check that got no verdict
 * fails, and the text names the rule, what was expected and what happened.
 * The README lists every check the kit makes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTROLLER_CHECKS } from '../src/controller-mode/checks.js';
import { formatReport, Report, type CheckDef } from '../src/report.js';
import { SERVER_CHECKS } from '../src/server-mode/checks.js';
import { conformanceDir } from './helpers/paths.js';

const catalog: CheckDef[] = [
  { id: 'X.one', title: 'rule one', section: '3 (Rules)', scenario: 'a', verifies: '' },
  { id: 'X.two', title: 'rule two', section: '5', scenario: 'a', verifies: '' },
  { id: 'X.three', title: 'rule three', section: '6', scenario: 'b', verifies: '' },
];

describe('the report', () => {
  it('fails a check that failed once, even if it passed other times, and keeps every failure', () => {
    const report = new Report('controller', 'ctl', catalog);
    report.pass('X.one', 'fine');
    report.fail('X.one', 'events once', 'seq 4 twice');
    report.pass('X.one', 'fine again');
    report.fail('X.one', 'events once', 'seq 9 twice');
    const [one] = report.results();
    expect(one).toMatchObject({ id: 'X.one', status: 'FAIL', expected: 'events once' });
    expect(one!.actual).toContain('seq 4 twice');
    expect(one!.actual).toContain('seq 9 twice');
  });

  it('fails the checks that got no verdict, saying why, and keeps skips as skips', () => {
    const report = new Report('controller', 'ctl', catalog);
    report.skip('X.two', 'no hooks');
    report.closeUndecided('the controller exited');
    const json = report.toJSON('0.1.0', 2);
    expect(json.checks.map((c) => [c.id, c.status])).toEqual([
      ['X.one', 'FAIL'],
      ['X.two', 'SKIP'],
      ['X.three', 'FAIL'],
    ]);
    expect(json.summary).toEqual({ passed: 0, failed: 2, skipped: 1 });
    expect(json.checks[0]!.actual).toBe('the controller exited');
  });

  it('leaves out the checks of scenarios not selected', () => {
    const report = new Report('controller', 'ctl', catalog, new Set(['b']));
    expect(report.results().map((c) => c.id)).toEqual(['X.three']);
    expect(() => report.pass('X.typo')).toThrow(/no check named X.typo/);
  });

  it('prints each check with its section, and expected/happened under a FAIL', () => {
    const report = new Report('controller', '"my-firmware"', catalog);
    report.pass('X.one');
    report.fail('X.two', 'acknowledgeCommand(EXPIRED)', 'acknowledgeCommand(OPENED)');
    report.skip('X.three', 'does not state OFFLINE_QR');
    const text = formatReport(report.toJSON('0.1.0', 2));
    expect(text).toMatch(/PASS {2}X\.one {3,}rule one \(PROTOCOL\.md 3 \(Rules\)\)/);
    expect(text).toMatch(
      /FAIL {2}X\.two {3,}rule two \(PROTOCOL\.md 5\)\n\s+expected: acknowledgeCommand\(EXPIRED\)\n\s+happened: acknowledgeCommand\(OPENED\)/,
    );
    expect(text).toMatch(/SKIP {2}X\.three +rule three \(PROTOCOL\.md 6\)\n\s+skipped: +does not state OFFLINE_QR/);
    expect(text).toMatch(/1 passed, 1 failed, 1 skipped .*NOT conformant$/);
  });
});

describe('the check lists', () => {
  const all = [...CONTROLLER_CHECKS, ...SERVER_CHECKS];

  it('have unique ids, each with a section and what it verifies', () => {
    expect(new Set(all.map((c) => c.id)).size).toBe(all.length);
    for (const c of all) {
      expect(c.section, c.id).not.toBe('');
      expect(c.verifies.length, c.id).toBeGreaterThan(20);
    }
  });

  it('are all in conformance/README.md, each with what it verifies as the kit says it', () => {
    const readme = readFileSync(join(conformanceDir, 'README.md'), 'utf8');
    const missing = all.filter((c) => !readme.includes(`\`${c.id}\``)).map((c) => c.id);
    expect(missing).toEqual([]);
    const stale = all.filter((c) => !readme.includes(c.verifies.replaceAll('|', '\\|'))).map((c) => c.id);
    expect(stale).toEqual([]);
  });
});
