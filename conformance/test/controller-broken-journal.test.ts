/**
 * The kit against controllers that break journal and connection rules on
 * purpose (the reference controller with `--bug …`).
 */
import { describe, expect, it } from 'vitest';
import { runControllerConformance } from '../src/controller-mode/run.js';
import { check, conformanceDir, referenceController } from './helpers/paths.js';

describe('the kit against a controller that mishandles its journal or its connection', () => {
  it('fails one that drops unacknowledged events when it reconnects', async () => {
    const report = await runControllerConformance({
      command: referenceController('drop-journal'),
      cwd: conformanceDir,
      only: ['journal'],
    });
    expect(check(report, 'C.journal.kept')).toMatchObject({
      status: 'FAIL',
      section: '3 (Rules), 2',
      expected: expect.stringContaining('the 12 events recorded while disconnected stored once each'),
      actual: expect.stringMatching(/^12 never arrived \(kit-journal-01, /),
    });
    expect(check(report, 'C.events.once').status).toBe('FAIL');
    expect(check(report, 'C.reconnect.link-lost').status).toBe('PASS');
  });

  it('fails one that reconnects at once after 4002, 4000 and even 4403', async () => {
    const report = await runControllerConformance({
      command: referenceController('fast-reconnect'),
      cwd: conformanceDir,
      only: ['closes'],
    });
    expect(check(report, 'C.close.4000')).toMatchObject({
      status: 'FAIL',
      section: '2, 8',
      expected: expect.stringContaining('never sooner than 0.5 s'),
      actual: expect.stringMatching(/^delays 0\.\d\d s, 0\.\d\d s, 0\.\d\d s, 0\.\d\d s/),
    });
    expect(check(report, 'C.close.4000-growing').status).toBe('FAIL');
    expect(check(report, 'C.close.4002')).toMatchObject({
      status: 'FAIL',
      actual: expect.stringMatching(/^reconnected after 0\.\d\d s/),
    });
    expect(check(report, 'C.close.4403')).toMatchObject({
      status: 'FAIL',
      section: '8',
      actual: expect.stringMatching(/^reconnected after /),
    });
    expect(check(report, 'C.close.4001').status).toBe('PASS');
  });

  it('fails one that sends times without a zone and sends acknowledged events again', async () => {
    const report = await runControllerConformance({
      command: referenceController('zoneless-time', 'resend-acked'),
      cwd: conformanceDir,
      only: ['journal'],
    });
    expect(check(report, 'C.events.wellformed')).toMatchObject({
      status: 'FAIL',
      actual: expect.stringMatching(/^event seq \d+: at "\d{4}-\d\d-\d\dT[\d:.]+" is not ISO 8601 with a zone/),
    });
    expect(check(report, 'C.events.no-resend')).toMatchObject({
      status: 'FAIL',
      section: '3 (Rules)',
      actual: expect.stringMatching(
        /^seq \d+ \(.*\) was sent again on connection #\d+ after the controller had received acceptedThroughSeq \d+/,
      ),
    });
    expect(check(report, 'C.events.limits').status).toBe('PASS');
  });
});
