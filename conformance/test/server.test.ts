/**
 * `--server`: the kit plays a controller against the real server, started
 * like in production on a free port with a fresh database and an admin token
 * from `npm run admin -- create-token`. Every check must pass.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVER_CHECKS } from '../src/server-mode/checks.js';
import { runServerConformance } from '../src/server-mode/run.js';
import { failures } from './helpers/paths.js';
import { startRealServer, type RealServer } from './helpers/real-server.js';

let server: RealServer;
beforeAll(async () => {
  server = await startRealServer();
});
afterAll(async () => {
  await server?.stop();
});

describe('the kit against the Baylight server', () => {
  it('passes every check, none skipped', async () => {
    const report = await runServerConformance({ url: server.url, adminToken: server.adminToken });
    expect(failures(report)).toEqual([]);
    expect(report.checks.filter((c) => c.status === 'SKIP').map((c) => `${c.id}: ${c.reason ?? ''}`)).toEqual([]);
    expect(report.checks.map((c) => c.id)).toEqual(SERVER_CHECKS.map((c) => c.id));
  });

  it('says plainly when the admin token is refused', async () => {
    const report = await runServerConformance({
      url: server.url,
      adminToken: 'blt_not-a-token',
      only: [],
    });
    expect(report.checks.find((c) => c.id === 'S.setup')).toMatchObject({ status: 'FAIL' });
    expect(report.notes.join('\n')).toContain('npm run admin -- create-token --role ADMIN');
  });
});
