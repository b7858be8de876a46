/**
 * Which database file the server and the admin CLI open: a relative
 * DATABASE_FILE is taken from the directory the user ran npm in (INIT_CWD),
 * never silently from server/, and the absolute path is said at start, with
 * a plain word when the file was not there and a new database was created.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer } from './helpers/server.js';

const serverDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir() {
  const dir = mkdtempSync(join(tmpdir(), 'baylight-dbfile-'));
  dirs.push(dir);
  return dir;
}

/** A real pino logger whose lines the test reads. */
function capturingLogger() {
  const lines: { level: number; msg: string; databaseFile?: string; created?: boolean }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

describe('the database file', () => {
  it('is resolved from where the user ran npm, and the server logs the absolute path, saying when it created it', async () => {
    const userDir = tempDir();
    const first = capturingLogger();
    const a = await startTestServer({ DATABASE_FILE: 'data/mine.db', INIT_CWD: userDir }, { logger: first.logger });
    const expected = join(userDir, 'data', 'mine.db');
    expect(a.services.config.DATABASE_FILE).toBe(expected);
    expect(existsSync(expected)).toBe(true);
    const opened = first.lines.find((l) => l.databaseFile !== undefined);
    expect(opened).toMatchObject({ databaseFile: expected, created: true });
    expect(opened?.msg).toContain(`${expected} did not exist: created a new, empty database there`);

    // Opened again: the same file, and no word of a new database.
    const second = capturingLogger();
    await startTestServer({ DATABASE_FILE: expected }, { logger: second.logger });
    const again = second.lines.find((l) => l.databaseFile !== undefined);
    expect(again).toMatchObject({ databaseFile: expected, created: false, msg: `database: ${expected}` });
  });

  it('the admin CLI opens the same file the user meant, and says so on stderr', () => {
    const userDir = tempDir();
    const keys = join(userDir, 'keys.json');
    const run = () =>
      spawnSync(
        join(serverDir, '..', 'node_modules', '.bin', 'tsx'),
        [
          'src/cli/admin.ts',
          'create-person',
          '--email',
          `ada-${Date.now()}@uni.test`,
          '--name',
          'Ada',
          '--role',
          'STUDENT',
        ],
        {
          // npm runs the workspace script inside server/; the user was in userDir.
          cwd: serverDir,
          env: { ...process.env, INIT_CWD: userDir, DATABASE_FILE: 'campus.db', PICKUP_SIGNING_KEY_FILE: keys },
          encoding: 'utf8',
        },
      );
    const created = run();
    expect(created.status, created.stderr).toBe(0);
    const file = join(userDir, 'campus.db');
    expect(created.stderr).toContain(`database: ${file} did not exist: created a new, empty database there.`);
    expect(existsSync(file)).toBe(true);
    expect(existsSync(join(serverDir, 'campus.db'))).toBe(false);
    const reopened = run();
    expect(reopened.status, reopened.stderr).toBe(0);
    expect(reopened.stderr).toContain(`database: ${file}\n`);
    expect(reopened.stderr).not.toContain('created');
  });
});
