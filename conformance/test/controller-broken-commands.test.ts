/**
 * The kit against controllers that break rules on purpose (the reference
 * controller with `--bug …`): the rule broken fails, with a reason a locker
 * maker can act on, and the rules kept still pass.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runControllerConformance } from '../src/controller-mode/run.js';
import type { ReportJson } from '../src/report.js';
import { check, conformanceDir, referenceController, tsx } from './helpers/paths.js';

describe('the kit against a controller that mishandles commands', () => {
  it('fails carrying out an expired command, carrying one out twice, and opening a revoked QR offline', async () => {
    const report = await runControllerConformance({
      command: referenceController('open-expired', 'no-dedup', 'ignore-revocations'),
      cwd: conformanceDir,
      only: ['commands', 'qr'],
    });
    expect(check(report, 'C.cmd.expired')).toMatchObject({
      status: 'FAIL',
      section: '5',
      expected: expect.stringContaining('EXPIRED'),
      actual: expect.stringMatching(/acknowledgeCommand\(OPENED\); A14 unlocked 1 time/),
    });
    expect(check(report, 'C.cmd.dedup')).toMatchObject({
      status: 'FAIL',
      actual: expect.stringContaining('A16 unlocked 2 time(s)'),
    });
    expect(check(report, 'C.qr.offline-revoked')).toMatchObject({
      status: 'FAIL',
      actual: expect.stringContaining('revoked by command (A04): opened 1×'),
    });
    for (const kept of ['C.cmd.open', 'C.cmd.ttl', 'C.cmd.unknown-kind', 'C.qr.offline-valid', 'C.qr.offline-expiry']) {
      expect(check(report, kept).status, kept).toBe('PASS');
    }
    // Scenarios not asked for are not in the report.
    expect(report.checks.some((c) => c.id.startsWith('C.journal.'))).toBe(false);
  });

  it('fails a controller that does not answer WebSocket pings', async () => {
    const report = await runControllerConformance({
      command: referenceController('no-pong'),
      cwd: conformanceDir,
      only: [],
    });
    expect(check(report, 'C.keepalive')).toMatchObject({
      status: 'FAIL',
      section: '2',
      actual: expect.stringMatching(/did not answer a ping in time and was terminated/),
    });
  });
});

describe('the command line', () => {
  const cli = join(conformanceDir, 'src', 'cli.ts');

  it('exits 1 on a FAIL and prints the report as JSON with --json', () => {
    const run = spawnSync(
      tsx,
      [cli, '--json', '--only', 'commands', '--controller', referenceController('open-expired')],
      { cwd: conformanceDir, encoding: 'utf8', timeout: 180_000 },
    );
    expect(run.status, run.stderr).toBe(1);
    const report = JSON.parse(run.stdout) as ReportJson;
    expect(report).toMatchObject({ kit: 'baylight-conformance', mode: 'controller', protocolVersion: 2 });
    expect(check(report, 'C.cmd.expired').status).toBe('FAIL');
    expect(report.summary.failed).toBeGreaterThan(0);
  });

  it('exits 0 when nothing failed, and says why what it could not check was skipped', () => {
    const run = spawnSync(tsx, [cli, '--only', 'journal', '--controller', referenceController('no-hooks')], {
      cwd: conformanceDir,
      encoding: 'utf8',
      timeout: 180_000,
    });
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /SKIP {2}C\.journal\.kept .*\n\s+skipped: +the controller offers no test hooks \(it never printed "BAYLIGHT-HOOKS 1"/,
    );
    expect(run.stdout).toMatch(/0 failed, \d+ skipped .*conformant for every rule checked/);
  });

  it('exits 2 on bad usage', () => {
    const run = spawnSync(tsx, [cli, '--server', 'http://127.0.0.1:9'], { cwd: conformanceDir, encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--server needs --admin-token');
  });
});
