/**
 * The kit against a controller that keeps every rule (test/fixtures): every
 * check runs and passes. This is what keeps the kit from failing good firmware.
 */
import { describe, expect, it } from 'vitest';
import { CONTROLLER_CHECKS } from '../src/controller-mode/checks.js';
import { runControllerConformance } from '../src/controller-mode/run.js';
import { conformanceDir, failures, referenceController } from './helpers/paths.js';

describe('the kit against a conforming controller', () => {
  it('passes and skips nothing: every check of every scenario was made', async () => {
    const report = await runControllerConformance({ command: referenceController(), cwd: conformanceDir });
    expect(failures(report)).toEqual([]);
    expect(report.checks.filter((c) => c.status === 'SKIP').map((c) => `${c.id}: ${c.reason ?? ''}`)).toEqual([]);
    expect(report.checks.map((c) => c.id)).toEqual(CONTROLLER_CHECKS.map((c) => c.id));
  });
});
