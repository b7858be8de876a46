#!/usr/bin/env node
// `npm test`: every check and test suite, then one line `N passed, N failed`.
//   1. codegen, formatting, typecheck and lint of every workspace (turbo)
//   2. unit and integration tests (vitest: server, simulator, conformance kit, web; node --test: scripts/),
//      and the server's integration suite a second time on PostgreSQL
//   3. end-to-end tests in Chromium (Playwright: server + web app + simulator)
// A suite that crashes without reporting counts as one failure, so a run that
// executed nothing can never look green.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { bin, ensureChromium, ensureTestServers, root, run } from './lib.mjs';

const resultsDir = join(root, '.test-results');
rmSync(resultsDir, { recursive: true, force: true });
mkdirSync(resultsDir, { recursive: true });

const env = { TURBO_TELEMETRY_DISABLED: '1', NEXT_TELEMETRY_DISABLED: '1', CI: process.env.CI ?? '' };
let passed = 0;
let failed = 0;
const failures = [];
// How long each step took, printed before the last line: where the run's time goes.
const timings = [];
let stepStarted = Date.now();
function step(name) {
  const now = Date.now();
  if (timings.length) timings[timings.length - 1].ms = now - stepStarted;
  timings.push({ name, ms: 0 });
  stepStarted = now;
  console.log(`\n[test] ${name}…`);
}

function check(name, code) {
  if (code === 0) passed++;
  else {
    failed++;
    failures.push(name);
  }
}

// 1. Static checks: each task (typecheck/lint per workspace) counts once. One turbo run for all
// of them, two at a time, so one workspace's type-check overlaps another's lint (a third faster
// than one run per task); turbo's run summary says how each task ended.
const workspaces = [
  '@baylight/server',
  '@baylight/simulator',
  '@baylight/conformance',
  '@baylight/web',
  '@baylight/e2e',
];
step('static checks (codegen, format, typecheck, lint)');
check('codegen', run(bin('turbo'), ['run', 'codegen', '--output-logs=errors-only'], { env }));
check('format (prettier --check)', run(bin('prettier'), ['--check', '--log-level', 'warn', '.'], { env }));
{
  const runsDir = join(root, '.turbo', 'runs');
  rmSync(runsDir, { recursive: true, force: true });
  const code = run(
    bin('turbo'),
    [
      'run',
      'typecheck',
      'lint',
      ...workspaces.map((ws) => `--filter=${ws}`),
      '--continue',
      '--concurrency=2',
      '--summarize',
      '--output-logs=errors-only',
    ],
    { env },
  );
  const summary = existsSync(runsDir) ? readdirSync(runsDir).find((f) => f.endsWith('.json')) : undefined;
  const tasks = summary ? (JSON.parse(readFileSync(join(runsDir, summary), 'utf8')).tasks ?? []) : [];
  for (const task of ['typecheck', 'lint']) {
    for (const ws of workspaces) {
      const t = tasks.find((x) => x.taskId === `${ws}#${task}`);
      // A task turbo did not report (it stopped first) fails, and so does a run that failed unreported.
      check(`${task} ${ws}`, t ? (t.execution?.exitCode ?? 1) : 1);
    }
  }
  if (code !== 0 && !failures.some((f) => /^(typecheck|lint) /.test(f))) check('turbo typecheck/lint', code);
}

// 2. Vitest suites, each writing a JSON report we can count. The server's PostgreSQL and Redis
// tests start throwaway servers of their own: the programs must be installed (as root: done here).
step('install test servers (PostgreSQL, Redis) if missing');
ensureTestServers();

function vitest(workspace, { name = workspace, args = [], extraEnv = {} } = {}) {
  const out = join(resultsDir, `${name}.json`);
  const code = run(
    bin('vitest'),
    ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...args],
    {
      cwd: join(root, workspace),
      env: { ...env, ...extraEnv },
    },
  );
  if (!existsSync(out)) return check(`vitest ${name} (no report)`, 1);
  const report = JSON.parse(readFileSync(out, 'utf8'));
  passed += report.numPassedTests ?? 0;
  failed += (report.numFailedTests ?? 0) + (report.numRuntimeErrorTestSuites ?? 0);
  if (report.numFailedTests || report.numRuntimeErrorTestSuites || code !== 0) failures.push(`vitest ${name}`);
  if (code !== 0 && !report.numFailedTests && !report.numRuntimeErrorTestSuites) failed++;
}
for (const ws of ['server', 'simulator', 'conformance', 'web']) {
  if (!existsSync(join(root, ws, 'vitest.config.ts'))) continue;
  step(`vitest ${ws}`);
  vitest(ws);
}
// The server's integration suite (test/) once more, on PostgreSQL: one throwaway cluster for the
// run, a fresh database per test server (server/test/helpers/global-setup.ts). Not the files that
// choose their engines themselves and so run the same in both passes: the SQLite file's own test,
// and those that start PostgreSQL clusters of their own (the adapter, SQLite → PostgreSQL transfer).
const sameOnBothPasses = ['test/database-file.test.ts', 'test/postgres-db.test.ts', 'test/transfer.test.ts'];
step('vitest server on PostgreSQL');
vitest('server', {
  name: 'server-postgres',
  args: ['test/', ...sameOnBothPasses.flatMap((f) => ['--exclude', f])],
  extraEnv: { BAYLIGHT_TEST_ENGINE: 'postgres' },
});

// The launchers' own tests (plain Node, node:test): counted from the TAP summary.
step('node --test scripts');
{
  const r = spawnSync(process.execPath, ['--test', '--test-reporter=tap', join('scripts', 'ports.test.mjs')], {
    cwd: root,
    encoding: 'utf8',
  });
  process.stdout.write(r.stdout ?? '');
  process.stderr.write(r.stderr ?? '');
  const count = (name) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(r.stdout ?? '')?.[1] ?? 0);
  const ok = count('pass');
  const bad = count('fail');
  passed += ok;
  failed += bad;
  if (bad || r.status !== 0) failures.push('node --test scripts');
  if (r.status !== 0 && !bad) failed++;
}

// 3. Browser tests. The e2e stack runs on its own ports (e2e/support/stack.ts). The web
// build is the same one the demo uses: its API URL is a runtime setting (BAYLIGHT_API_URL,
// given to `next start` by the e2e global setup), so a running demo is never rebuilt under it.
step('e2e (build web, Playwright in Chromium)');
const chromium = ensureChromium();
if (!chromium) {
  check('e2e (no Chromium)', 1);
} else if (run(bin('turbo'), ['run', 'build', '--filter=@baylight/web', '--output-logs=errors-only'], { env }) !== 0) {
  check('build web for e2e', 1);
} else {
  const out = join(resultsDir, 'e2e.json');
  const code = run(bin('playwright'), ['test'], {
    cwd: join(root, 'e2e'),
    env: { ...env, CHROMIUM_PATH: chromium, PLAYWRIGHT_JSON_OUTPUT_NAME: out },
  });
  if (!existsSync(out)) check('e2e (no report)', 1);
  else {
    const stats = JSON.parse(readFileSync(out, 'utf8')).stats ?? {};
    passed += stats.expected ?? 0;
    failed += (stats.unexpected ?? 0) + (stats.flaky ?? 0);
    if (stats.unexpected || stats.flaky || code !== 0) failures.push('e2e');
    if (code !== 0 && !stats.unexpected && !stats.flaky) failed++;
  }
}

step('done');
timings.pop();
console.log('\n[test] time per step:');
for (const t of timings) console.log(`  ${(t.ms / 1000).toFixed(0).padStart(5)} s  ${t.name}`);
if (failures.length) console.log(`\nFailed: ${failures.join(', ')}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
