/**
 * The simulator, the reference controller of this repository, through the
 * kit's adapter (src/adapters/simulator.ts): every check the kit makes passes,
 * and the ones that depend on a capability are made (it states them).
 */
import { describe, expect, it } from 'vitest';
import { runControllerConformance } from '../src/controller-mode/run.js';
import { failures, rootDir, simulatorAdapter } from './helpers/paths.js';

describe('the kit against the simulator', () => {
  it('passes every check, and makes the health and QR checks', async () => {
    const report = await runControllerConformance({ command: simulatorAdapter, cwd: rootDir });
    expect(failures(report)).toEqual([]);
    const skippedForCapability = report.checks
      .filter((c) => c.status === 'SKIP' && /^C\.(health|qr)\./.test(c.id))
      .map((c) => `${c.id}: ${c.reason ?? ''}`);
    expect(skippedForCapability).toEqual([]);
  });
});
