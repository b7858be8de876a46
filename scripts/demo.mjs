#!/usr/bin/env node
// `npm start`: the whole demo on the embedded default — server on :4000 (SQLite,
// in-process pub/sub), web app on :3000, three simulated locker banks, demo people.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bin, root, run, start, waitForUrl } from './lib.mjs';

const SERVER_PORT = process.env.PORT ?? '4000';
const WEB_PORT = process.env.WEB_PORT ?? '3000';
const dataDir = join(root, 'data');
const database = join(dataDir, 'demo.db');
const devices = join(dataDir, 'demo-devices.json');
const secrets = join(dataDir, 'demo-secrets.json');
mkdirSync(dataDir, { recursive: true });

const env = {
  TURBO_TELEMETRY_DISABLED: '1',
  NEXT_TELEMETRY_DISABLED: '1',
  DATABASE_FILE: database,
  DEV_OUTBOX: 'true',
  PORT: SERVER_PORT,
};
// The web app's API URL is read by `next start` (web/app/config.js/route.ts), not built in,
// so the demo and the e2e tests share one build of web/.next.
const webEnv = {
  ...env,
  BAYLIGHT_API_URL:
    process.env.BAYLIGHT_API_URL ?? process.env.NEXT_PUBLIC_API_URL ?? `http://localhost:${SERVER_PORT}/graphql`,
};

console.log('Baylight demo: generating types and building the web app (cached after the first run)…');
if (run(bin('turbo'), ['run', 'build', '--filter=@baylight/web', '--output-logs=errors-only'], { env }) !== 0) {
  console.error('The web app did not build; see the errors above.');
  process.exit(1);
}
if (
  run(bin('tsx'), ['src/cli/seed-demo.ts', '--devices-out', devices, '--secrets-out', secrets], {
    cwd: join(root, 'server'),
    env,
  }) !== 0
) {
  process.exit(1);
}

const procs = [];
const stopAll = () => {
  for (const p of procs.reverse()) p.stop();
};
process.on('SIGINT', () => {
  stopAll();
  process.exit(0);
});
process.on('SIGTERM', () => {
  stopAll();
  process.exit(0);
});

procs.push(
  start('server', bin('tsx'), ['src/main.ts'], { cwd: join(root, 'server'), env: { ...env, LOG_PRETTY: 'true' } }),
);
await waitForUrl(`http://localhost:${SERVER_PORT}/healthz`);
procs.push(start('web', bin('next'), ['start', '-p', WEB_PORT], { cwd: join(root, 'web'), env: webEnv }));
await waitForUrl(`http://localhost:${WEB_PORT}/offline`);
procs.push(
  start('lockers', bin('tsx'), ['src/cli.ts', '--devices', devices, '--rate', '1'], {
    cwd: join(root, 'simulator'),
    env: { ...env, SERVER_URL: `ws://localhost:${SERVER_PORT}/graphql` },
  }),
);
for (const p of procs) {
  p.child.on('exit', (code) => {
    if (code !== 0 && code !== null) {
      console.error(`A demo process exited with code ${code}; stopping the demo.`);
      stopAll();
      process.exit(1);
    }
  });
}

// A few parcels for the demo student, taken in by the mailroom once the
// simulated lockers are online (the simulator puts them in and closes the doors).
const demo = JSON.parse(readFileSync(secrets, 'utf8'));
const api = async (query, variables, token) => {
  const res = await fetch(`http://localhost:${SERVER_PORT}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return res.json();
};
const waitOnline = async () => {
  for (let i = 0; i < 80; i++) {
    const r = await api('{ lockerBanks { status } }', {}, demo.tokens.mailroom);
    if (r.data?.lockerBanks.every((b) => b.status === 'ONLINE')) return true;
    await new Promise((res) => setTimeout(res, 250));
  }
  return false;
};
if (await waitOnline()) {
  const mine = await api('{ parcels(search: "student@demo") { id status } }', {}, demo.tokens.mailroom);
  const waiting = (mine.data?.parcels ?? []).filter(
    (p) => p.status === 'READY_FOR_PICKUP' || p.status === 'AWAITING_DEPOSIT',
  );
  for (let i = waiting.length; i < 2; i++) {
    await api(
      'mutation ($i: IntakeParcelInput!) { intakeParcel(input: $i) { __typename } }',
      {
        i: {
          tracking: `1Z999AA1${String(Date.now()).slice(-8)}${i}`,
          recipientId: demo.studentId,
          size: i === 0 ? 'S' : 'M',
        },
      },
      demo.tokens.mailroom,
    );
  }
}

console.log(`
  Baylight is running.

    Web app        http://localhost:${WEB_PORT}
    GraphQL API    http://localhost:${SERVER_PORT}/graphql   (WebSocket on the same URL)
    Database       ${database}

  Sign in with any of these; the one-time code appears on the sign-in page
  (demo dev outbox) and in the server log:
    admin@demo.baylight.dev      ADMIN
    it@demo.baylight.dev         IT
    mailroom@demo.baylight.dev   MAILROOM
    courier@demo.baylight.dev    COURIER (drop-off at Library and Student Union)
    student@demo.baylight.dev    STUDENT
    analyst@demo.baylight.dev    DEPARTMENT (Engineering)

  Three simulated locker banks are opening and closing doors, and the
  student has parcels waiting. Ctrl+C stops everything.

  Kiosks (the lockers' touchscreens): open the link, paste the token once.
${demo.kiosks.map((k) => `    ${k.name.padEnd(22)} http://localhost:${WEB_PORT}/kiosk/${k.bankId}\n    ${''.padEnd(22)} ${k.token}`).join('\n')}
`);
